using System;
using System.Collections.Generic;
using System.Threading;

namespace RxSockets;

/// <summary>Subscribing, resuming and unsubscribing.</summary>
public sealed partial class FeedTopic
{
    /// <summary>
    /// Attaches a subscriber and plans what it is sent first: <c>subscribed</c>; then, for a
    /// resume whose epoch matches and whose missed messages are all in history, exactly those; for
    /// <c>since</c> 0 (a client with nothing), everything history holds; otherwise (a fresh
    /// subscription, or a <c>reset</c> for a resume that cannot be honoured) the snapshot: the
    /// newest message, or the newest of every key. Then live messages. Returns
    /// <see langword="null"/> when the topic was removed.
    /// </summary>
    /// <param name="outlet">The subscriber's connection.</param>
    /// <param name="policy">Its flow policy.</param>
    /// <param name="since">The last sequence the client saw, when it resumes.</param>
    /// <param name="epoch">The epoch that sequence belongs to.</param>
    /// <param name="cancellationToken">Ends the subscriber's drain waits (the connection's handler token).</param>
    /// <returns>The subscriber, or null.</returns>
    internal TopicSubscriber? Attach(IFeedOutlet outlet, FlowPolicy policy, long? since, string? epoch, CancellationToken cancellationToken)
    {
        var subscriber = new TopicSubscriber(this, outlet, policy, cancellationToken);
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _log.TrimByAge(_time, _time.GetTimestamp(), _historyAge);
            subscriber.Control = new Queue<PreparedMessage>(2);
            subscriber.Control.Enqueue(Envelopes.Subscribed(Name, _epoch, _last));
            string? reset = null;
            if (since is not long seen)
            {
                Snapshot(subscriber, _last);
            }
            else if (seen == 0)
            {
                subscriber.Next = _log.OldestSeq; // a client with nothing asks for all that is kept: no state to reset, any epoch
                subscriber.Conflation = Conflation.None;
            }
            else if (epoch != _epoch || (seen > _last && !_alwaysOn))
            {
                reset = "epoch";
            }
            else if (seen > _last)
            {
                // A shared backplane: the client saw it on another node, ahead of this one. It gets
                // what follows once this node has it (the fan-out skips what it already saw).
                subscriber.Next = seen + 1;
                subscriber.Conflation = Conflation.None;
            }
            else if (seen + 1 >= _log.OldestSeq)
            {
                subscriber.Next = seen + 1; // everything missed is still here (nothing, when seen is the newest)
                subscriber.Conflation = Conflation.None;
            }
            else
            {
                reset = "history";
            }

            if (reset is not null)
            {
                subscriber.Control.Enqueue(Envelopes.Reset(Name, reset));
                Snapshot(subscriber, _last);
            }

            subscriber.State = SubscriberState.Behind;
            subscriber.Index = _subscribers.Count;
            _subscribers.Add(subscriber);
        }

        EnsureSource();
        StartDrain(subscriber, waitFirst: false);
        return subscriber;
    }

    /// <summary>
    /// Unsubscribes: no more data is sent, then <c>unsubscribed</c> with reason <c>requested</c>
    /// after whatever was already handed to the connection. Does nothing for a removed subscriber.
    /// </summary>
    /// <param name="subscriber">The subscriber.</param>
    internal void Unsubscribe(TopicSubscriber subscriber)
    {
        IDisposable? stop;
        bool drain;
        lock (_gate)
        {
            if (!subscriber.IsActive)
            {
                return;
            }

            RemoveAtLocked(subscriber.Index);
            drain = SendControlLocked(subscriber, Envelopes.Unsubscribed(Name, "requested"));
            stop = LingerLocked();
        }

        stop?.Dispose();
        if (drain)
        {
            StartDrain(subscriber, waitFirst: true);
        }
    }

    /// <summary>Drops a subscriber without a word (its connection is gone).</summary>
    /// <param name="subscriber">The subscriber.</param>
    internal void Drop(TopicSubscriber subscriber)
    {
        IDisposable? stop;
        lock (_gate)
        {
            RemoveLocked(subscriber); // a running drain stops at its next turn
            stop = LingerLocked();
        }

        stop?.Dispose();
    }

    /// <summary>
    /// What a new subscriber (or one that was reset) is owed: the newest message, or the newest of
    /// every key, among those up to <paramref name="until"/>; then every message after it.
    /// </summary>
    /// <param name="subscriber">The subscriber.</param>
    /// <param name="until">
    /// The newest sequence the snapshot covers: the topic's newest when a client subscribes, so what
    /// is published after its <c>subscribed</c> reaches it whatever its drain's pace; the last
    /// before the gap after a reset during a subscription, so what follows the gap is replayed.
    /// </param>
    private void Snapshot(TopicSubscriber subscriber, long until)
    {
        subscriber.Next = 1;
        subscriber.Conflation = _keys is null ? Conflation.Latest : Conflation.PerKey;
        subscriber.ConflateUntil = until;
    }

    /// <summary>
    /// Detaches the subscriber at <paramref name="index"/>: it leaves the list (no more published
    /// frames, no longer counted for the source) in O(1) and owes at most its control frames. Its
    /// state is the caller's to set.
    /// </summary>
    private void RemoveAtLocked(int index)
    {
        TopicSubscriber removed = _subscribers[index];
        int last = _subscribers.Count - 1;
        if (index != last)
        {
            TopicSubscriber moved = _subscribers[last];
            _subscribers[index] = moved;
            moved.Index = index;
        }

        _subscribers.RemoveAt(last);
        removed.Index = -1;
        removed.Detached = true;
    }

    /// <summary>
    /// Sends a last control frame to a subscriber just detached: at once when it is live and its
    /// connection takes it, otherwise through its drain (true: the caller starts one, since a live
    /// subscriber has none). Order holds either way: it follows every frame already handed over.
    /// </summary>
    private static bool SendControlLocked(TopicSubscriber subscriber, PreparedMessage frame)
    {
        switch (subscriber.State)
        {
            case SubscriberState.Live when subscriber.Outlet.TrySend(frame):
                subscriber.State = SubscriberState.Removed;
                return false;

            case SubscriberState.Live when subscriber.Outlet.IsOpen:
                (subscriber.Control ??= new Queue<PreparedMessage>(1)).Enqueue(frame);
                subscriber.State = SubscriberState.Behind;
                subscriber.Waiting = true;
                return true;

            case SubscriberState.Behind:
                (subscriber.Control ??= new Queue<PreparedMessage>(1)).Enqueue(frame);
                return false; // its drain sends it after the control frames it already owes

            default:
                subscriber.State = SubscriberState.Removed;
                return false;
        }
    }

    /// <summary>Detaches every subscriber with a last control frame (the topic ended or was removed); returns the drains to start.</summary>
    private List<TopicSubscriber>? DetachAllLocked(PreparedMessage last)
    {
        List<TopicSubscriber>? drains = null;
        while (_subscribers.Count > 0)
        {
            TopicSubscriber subscriber = _subscribers[^1];
            RemoveAtLocked(_subscribers.Count - 1);
            if (SendControlLocked(subscriber, last))
            {
                (drains ??= []).Add(subscriber);
            }
        }

        return drains;
    }
}
