using System;
using System.Collections.Generic;

namespace RxSockets;

/// <summary>Publishing: sequence, history, and the fan-out of one shared frame.</summary>
public sealed partial class FeedTopic
{
    /// <summary>
    /// Publishes one value of <paramref name="run"/>: gives it the next sequence number, frames its
    /// envelope once, keeps it in history (and the key table), and hands the frame to every live
    /// subscriber. A live subscriber whose connection refuses it falls behind (its drain starts); a
    /// behind one is left to its drain. Never waits; allocates nothing per subscriber.
    /// </summary>
    internal void Publish<T>(int run, T value, DataFormatter<T> formatter)
    {
        List<TopicSubscriber>? fellBehind = null;
        List<TopicSubscriber>? toClose = null;
        IDisposable? stop = null;
        Exception? failure;
        lock (_gate)
        {
            if (run != _run || !_sourceActive)
            {
                return; // a late notification of a run that ended
            }

            if (TryCreateEntry(_last + 1, value, formatter, out FeedEntry? entry, out failure))
            {
                _last = entry.Seq;
                _log.Append(entry);
                _log.TrimByAge(_time, entry.Timestamp, _historyAge);
                if (entry.Key is not null)
                {
                    _keys!.Update(entry);
                }

                FanOutLocked(entry, ref fellBehind, ref toClose);
                stop = LingerLocked(); // when the fan-out removed the last subscriber
            }
        }

        if (failure is not null)
        {
            FeedLog.SerializationFailed(_logger, Name, failure);
            EndRun(run, failure);
            return;
        }

        stop?.Dispose();
        if (toClose is not null)
        {
            foreach (TopicSubscriber subscriber in toClose)
            {
                CloseByPolicy(subscriber);
            }
        }

        StartDrains(fellBehind, waitFirst: true);
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

    /// <summary>Serialises and frames the envelope of <paramref name="value"/>; false (with the exception) when user code threw.</summary>
    private bool TryCreateEntry<T>(long seq, T value, DataFormatter<T> formatter, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FeedEntry? entry, out Exception? failure)
    {
        try
        {
            string? key = _keys is null ? null : formatter.KeyOf(value);
            entry = new FeedEntry(seq, _envelopes.Data(seq, key, value, formatter), key, _time.GetTimestamp());
            failure = null;
            return true;
        }
        catch (Exception ex)
        {
            entry = null;
            failure = ex;
            return false;
        }
    }

    /// <summary>Closes a subscriber's connection as its <see cref="FlowPolicyKind.Close"/> policy says (it was removed under the lock).</summary>
    private void CloseByPolicy(TopicSubscriber subscriber)
    {
        FeedLog.ClosedByPolicy(_logger, subscriber.Outlet.Id, Name, subscriber.Policy);
        subscriber.Outlet.Close(subscriber.Policy.CloseCode, subscriber.Policy.CloseReason);
    }
}
