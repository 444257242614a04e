using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// The drain of a subscriber that fell behind: it waits for room, applies the flow policy, and sends
/// what the subscriber is still owed (control frames, then data from the topic's history or key
/// table) until it has caught up, then makes it live again. One per slow subscriber; nothing for the others.
/// </summary>
public sealed partial class FeedTopic
{
    private void StartDrains(List<TopicSubscriber>? subscribers, bool waitFirst)
    {
        if (subscribers is null)
        {
            return;
        }

        foreach (TopicSubscriber subscriber in subscribers)
        {
            StartDrain(subscriber, waitFirst);
        }
    }

    /// <summary>Starts the drain of a subscriber that just became <see cref="SubscriberState.Behind"/> (so none runs for it).</summary>
    private void StartDrain(TopicSubscriber subscriber, bool waitFirst) => subscriber.Drain = DrainAsync(subscriber, waitFirst);

    /// <summary>Runs until the subscriber is live again or removed; never throws.</summary>
    private async Task DrainAsync(TopicSubscriber subscriber, bool wait)
    {
        Owed[] batch = subscriber.Batch ??= new Owed[TopicSubscriber.BatchSize];
        PreparedMessage[] frames = subscriber.Frames ??= new PreparedMessage[TopicSubscriber.BatchSize];
        try
        {
            while (true)
            {
                if (wait)
                {
                    await subscriber.Outlet.WaitForRoomAsync(subscriber.CancellationToken).ConfigureAwait(false);
                }

                int count;
                int generation;
                IDisposable? stop = null;
                lock (_gate)
                {
                    generation = subscriber.Generation;
                    if (subscriber.State == SubscriberState.Removed)
                    {
                        return;
                    }

                    count = wait && !ApplyPolicyLocked(subscriber) ? -1 : TakeOwedLocked(subscriber, batch);
                    if (count < 0)
                    {
                        RemoveLocked(subscriber);
                        stop = LingerLocked();
                    }
                    else if (count == 0)
                    {
                        // Caught up: the publisher sends it the next frame itself.
                        subscriber.State = subscriber.Detached ? SubscriberState.Removed : SubscriberState.Live;
                        subscriber.Conflation = Conflation.None;
                        return;
                    }
                }

                if (count < 0)
                {
                    stop?.Dispose();
                    CloseByPolicy(subscriber);
                    return;
                }

                // One run: a subscriber catching up gets its frames in one write, not one each.
                for (int i = 0; i < count; i++)
                {
                    frames[i] = batch[i].Frame;
                }

                int sent = subscriber.Outlet.TrySend(frames.AsSpan(0, count));
                bool closed = sent < count && !subscriber.Outlet.IsOpen;
                lock (_gate)
                {
                    AdvanceLocked(subscriber, batch, sent, moveNext: subscriber.Generation == generation);
                    subscriber.Waiting = sent < count;
                    if (closed)
                    {
                        RemoveLocked(subscriber);
                        stop = LingerLocked();
                    }
                }

                Array.Clear(batch, 0, count);
                Array.Clear(frames, 0, count);
                if (closed)
                {
                    stop?.Dispose();
                    return;
                }

                wait = sent < count;
            }
        }
        catch (Exception ex)
        {
            if (ex is not (ConnectionClosedException or OperationCanceledException))
            {
                FeedLog.DrainFailed(_logger, Name, subscriber.Outlet.Id, ex);
            }

            Drop(subscriber); // the connection is gone (or closing): its session drops the rest
        }
    }

    /// <summary>
    /// Applies the flow policy to a subscriber that waited for room. Returns false when the policy
    /// closes it (<see cref="FlowPolicyKind.Close"/> and what it owes has left the history, or it is too far behind).
    /// </summary>
    private bool ApplyPolicyLocked(TopicSubscriber subscriber)
    {
        subscriber.Waiting = false;
        if (subscriber.Detached)
        {
            return true; // owes only control frames
        }

        FlowPolicy policy = subscriber.Policy;
        switch (policy.Kind)
        {
            case FlowPolicyKind.DropOldest when subscriber.Conflation == Conflation.None:
                long window = Math.Min(policy.MaxBehind, _log.Capacity);
                subscriber.Next = Math.Max(subscriber.Next, _last - window + 1);
                return true;

            case FlowPolicyKind.Latest when subscriber.Conflation == Conflation.None:
                subscriber.Conflation = Conflation.Latest;
                subscriber.ConflateUntil = long.MaxValue;
                return true;

            case FlowPolicyKind.LatestPerKey when subscriber.Conflation == Conflation.None:
                subscriber.Conflation = _keys is null ? Conflation.Latest : Conflation.PerKey;
                subscriber.ConflateUntil = long.MaxValue;
                return true;

            case FlowPolicyKind.Close when subscriber.Conflation == Conflation.None:
                return subscriber.Next >= _log.OldestSeq && _last - subscriber.Next + 1 <= policy.MaxBehind;

            default:
                return true; // already conflating (a snapshot, or the policy applied before)
        }
    }

    /// <summary>
    /// Copies what the subscriber is owed now into <paramref name="batch"/>, without consuming it
    /// (<see cref="AdvanceLocked"/> does, for what was sent): its control frames, then (unless
    /// detached) its data as its conflation says. Returns the count, or -1 when a lossless
    /// (<see cref="FlowPolicyKind.Close"/>) subscriber is owed messages that have left the history.
    /// </summary>
    private int TakeOwedLocked(TopicSubscriber subscriber, Owed[] batch)
    {
        int count = 0;
        if (subscriber.Control is { Count: > 0 } control)
        {
            foreach (PreparedMessage frame in control)
            {
                if (count == batch.Length)
                {
                    return count;
                }

                batch[count++] = new Owed(frame, 0);
            }
        }

        if (subscriber.Detached || count == batch.Length)
        {
            return count;
        }

        if (subscriber.Conflation != Conflation.None && !TakeConflatedLocked(subscriber, batch, ref count))
        {
            // Its snapshot is sent: every message after the snapshot's point is owed one by one.
            subscriber.Conflation = Conflation.None;
            subscriber.Next = Math.Max(subscriber.Next, subscriber.ConflateUntil + 1);
        }

        if (subscriber.Conflation == Conflation.None)
        {
            long from = subscriber.Next;
            if (from < _log.OldestSeq)
            {
                if (subscriber.Policy.Kind == FlowPolicyKind.Close)
                {
                    return -1;
                }

                from = _log.OldestSeq; // dropped from history meanwhile: skipped, as the oldest are
                subscriber.Next = from;
            }

            for (long seq = from; seq <= _last && count < batch.Length; seq++)
            {
                batch[count++] = new Owed(_log.Get(seq).Frame, seq);
            }
        }

        return count;
    }

    /// <summary>
    /// Copies what a conflating subscriber is owed: the newest message, or the newest of every key,
    /// from its position up to <see cref="TopicSubscriber.ConflateUntil"/>. Returns false when a
    /// snapshot bounded by a point has nothing left to send (the caller goes on message by message);
    /// true otherwise.
    /// </summary>
    private bool TakeConflatedLocked(TopicSubscriber subscriber, Owed[] batch, ref int count)
    {
        long until = subscriber.ConflateUntil;
        bool bounded = until != long.MaxValue;
        int before = count;
        if (subscriber.Conflation == Conflation.PerKey)
        {
            _keys!.CopyFrom(subscriber.Next, until, batch, ref count);
        }
        else
        {
            long newest = Math.Min(until, _last);
            if (newest >= subscriber.Next && newest >= _log.OldestSeq && _log.Count > 0)
            {
                batch[count++] = new Owed(_log.Get(newest).Frame, newest);
            }
        }

        return !bounded || count > before;
    }

    /// <summary>Consumes the first <paramref name="sent"/> frames of <paramref name="batch"/>: control frames leave the queue, data moves the position past them.</summary>
    /// <param name="subscriber">The subscriber.</param>
    /// <param name="batch">What its drain took.</param>
    /// <param name="sent">How many of them went out.</param>
    /// <param name="moveNext">False when the subscriber was reset since the batch was taken: its position is the reset's.</param>
    private static void AdvanceLocked(TopicSubscriber subscriber, Owed[] batch, int sent, bool moveNext)
    {
        if (subscriber.State == SubscriberState.Removed)
        {
            return;
        }

        for (int i = 0; i < sent; i++)
        {
            if (batch[i].Seq == 0)
            {
                subscriber.Control!.Dequeue();
            }
            else if (moveNext)
            {
                subscriber.Next = batch[i].Seq + 1;
            }
        }
    }

    /// <summary>Removes a subscriber for good (detached if it was attached).</summary>
    private void RemoveLocked(TopicSubscriber subscriber)
    {
        if (subscriber.Index >= 0)
        {
            RemoveAtLocked(subscriber.Index);
        }

        subscriber.State = SubscriberState.Removed;
    }
}
