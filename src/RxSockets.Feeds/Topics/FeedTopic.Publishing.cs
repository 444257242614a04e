using System;
using System.Collections.Generic;

namespace RxSockets;

/// <summary>Publishing: sequence, history, and the fan-out of one shared frame.</summary>
public sealed partial class FeedTopic
{
    /// <summary>
    /// Publishes one value of <paramref name="run"/>: writes its body once and hands it to the
    /// backplane, which numbers it and delivers it to <see cref="Receive"/> (at once on this thread
    /// for the in-process backplane). Never waits.
    /// </summary>
    internal void Publish<T>(int run, T value, DataFormatter<T> formatter)
    {
        string? key;
        string? body;
        Exception? failure = null;
        lock (_gate)
        {
            if (run != _run || !_sourceActive)
            {
                return; // a late notification of a run that ended
            }

            try
            {
                key = _source!.HasKey ? formatter.KeyOf(value) : null; // a run exists only with a source
                body = _envelopes.Body(key, value, formatter);
            }
            catch (Exception ex)
            {
                key = null;
                body = null;
                failure = ex;
            }
        }

        if (failure is not null)
        {
            FeedLog.SerializationFailed(_logger, Name, failure);
            EndRun(run, failure);
            return;
        }

        _link.Publish(key, body!);
    }

    /// <summary>
    /// Takes numbered messages from the backplane, in order: each is framed once, kept in history
    /// (and the key table) and handed to every live subscriber. A new epoch or a step in the sequence
    /// first resets every subscriber (a <c>reset</c> notice, then the snapshot), so a loss is never a
    /// silent gap. A live subscriber whose connection refuses a frame falls behind (its drain starts).
    /// </summary>
    private void Receive(string epoch, ReadOnlySpan<FeedRecord> records)
    {
        List<TopicSubscriber>? fellBehind = null;
        List<TopicSubscriber>? toClose = null;
        List<TopicSubscriber>? resets = null;
        IDisposable? stop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            bool reset = false;
            if (epoch != _epoch)
            {
                bool known = _epoch.Length > 0;
                _epoch = epoch;
                _last = 0;
                _log.Clear(0);
                _keys?.Clear();
                if (known)
                {
                    ResetAllLocked("epoch", epoch, records.Length > 0 ? records[0].Sequence - 1 : 0, ref resets);
                    reset = true;
                }
            }

            foreach (FeedRecord record in records)
            {
                if (record.Sequence <= _last)
                {
                    continue; // a duplicate
                }

                if (record.Sequence != _last + 1)
                {
                    // Messages between are lost for good: what history held before them cannot be resumed across the gap.
                    _log.Clear(_last);
                    if (!reset)
                    {
                        // Also with nothing received yet: a subscriber that resumed ahead of this node must not skip silently.
                        ResetAllLocked("history", null, record.Sequence - 1, ref resets);
                        reset = true;
                    }
                }

                var entry = new FeedEntry(record.Sequence, _envelopes.Data(record.Sequence, record.Body), record.Key, _time.GetTimestamp());
                _last = entry.Seq;
                _log.Append(entry);
                _log.TrimByAge(_time, entry.Timestamp, _historyAge);
                if (entry.Key is not null)
                {
                    (_keys ??= new KeyTable(_maxKeys)).Update(entry);
                }

                FanOutLocked(entry, ref fellBehind, ref toClose);
            }

            stop = LingerLocked(); // when the fan-out removed the last subscriber
        }

        stop?.Dispose();
        if (toClose is not null)
        {
            foreach (TopicSubscriber subscriber in toClose)
            {
                CloseByPolicy(subscriber);
            }
        }

        StartDrains(resets, waitFirst: false);
        StartDrains(fellBehind, waitFirst: true);
    }

    /// <summary>
    /// Sends every attached subscriber a <c>reset</c> notice (with the new epoch when it changed),
    /// then the snapshot of what the topic held before the gap (for a keyed topic, the newest of
    /// each key; nothing in a new epoch), then every message from the first after the gap: what the
    /// backplane still delivers is replayed, only what it lost is skipped. A live subscriber falls
    /// behind and is collected for a drain; a behind one already has its drain, which sends the
    /// notice after what it has taken already.
    /// </summary>
    /// <param name="reason"><c>epoch</c> or <c>history</c>.</param>
    /// <param name="epoch">The new epoch, for <c>epoch</c>.</param>
    /// <param name="beforeGap">The newest sequence before the first message after the gap (0 in a new epoch that starts at 1).</param>
    /// <param name="drains">Collects the subscribers whose drain must start.</param>
    private void ResetAllLocked(string reason, string? epoch, long beforeGap, ref List<TopicSubscriber>? drains)
    {
        if (_subscribers.Count == 0)
        {
            return;
        }

        PreparedMessage notice = Envelopes.Reset(Name, reason, epoch);
        foreach (TopicSubscriber subscriber in _subscribers)
        {
            (subscriber.Control ??= new Queue<PreparedMessage>(1)).Enqueue(notice);
            Snapshot(subscriber, beforeGap);
            subscriber.Generation++;
            if (subscriber.State == SubscriberState.Live)
            {
                subscriber.State = SubscriberState.Behind;
                subscriber.Waiting = false;
                (drains ??= []).Add(subscriber);
            }
        }
    }

    /// <summary>The topic's end of the backplane.</summary>
    private sealed class Receiver(FeedTopic topic) : IFeedReceiver
    {
        public void Receive(string epoch, ReadOnlySpan<FeedRecord> records) => topic.Receive(epoch, records);
    }

    /// <summary>Hands <paramref name="entry"/>'s frame to every live subscriber; collects those that fell behind and those to close.</summary>
    private void FanOutLocked(FeedEntry entry, ref List<TopicSubscriber>? fellBehind, ref List<TopicSubscriber>? toClose)
    {
        long seq = entry.Seq;
        long oldest = _log.OldestSeq;
        for (int i = 0; i < _subscribers.Count; i++)
        {
            TopicSubscriber subscriber = _subscribers[i];
            if (subscriber.State == SubscriberState.Live)
            {
                if (seq < subscriber.Next)
                {
                    continue; // it resumed from another node that was ahead of this one: it has this message
                }

                if (subscriber.Outlet.TrySend(entry.Frame))
                {
                    continue;
                }

                if (!subscriber.Outlet.IsOpen)
                {
                    RemoveAtLocked(i--); // the session drops the connection's other subscriptions
                    subscriber.State = SubscriberState.Removed;
                    continue;
                }

                // Full: from now on it holds only its position; its drain waits for room first.
                subscriber.State = SubscriberState.Behind;
                subscriber.Next = seq;
                subscriber.Conflation = Conflation.None;
                subscriber.Waiting = true;
                (fellBehind ??= []).Add(subscriber);
            }

            if (subscriber.Policy.Kind == FlowPolicyKind.Close && !subscriber.Detached && subscriber.Conflation == Conflation.None
                && (subscriber.Next < oldest || (subscriber.Waiting && seq - subscriber.Next + 1 > subscriber.Policy.MaxBehind)))
            {
                // Lossless until what it owes leaves the history (or it waits too far behind): then closed.
                RemoveAtLocked(i--);
                subscriber.State = SubscriberState.Removed;
                (toClose ??= []).Add(subscriber);
            }
        }
    }

    /// <summary>Closes a subscriber's connection as its <see cref="FlowPolicyKind.Close"/> policy says (it was removed under the lock).</summary>
    private void CloseByPolicy(TopicSubscriber subscriber)
    {
        FeedLog.ClosedByPolicy(_logger, subscriber.Outlet.Id, Name, subscriber.Policy);
        subscriber.Outlet.Close(subscriber.Policy.CloseCode, subscriber.Policy.CloseReason);
    }
}
