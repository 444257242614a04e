using System;
using System.Diagnostics;

namespace RxSockets;

/// <summary>
/// Bursts: what one thread posts while delivering a run of messages, written by that thread once
/// the run ends; and runs of prepared messages offered at once, written together the same way.
/// </summary>
internal sealed partial class Outbox
{
    /// <summary>
    /// Whether the drain is owed by a burst (<see cref="BeginBurst"/>): its thread took
    /// <see cref="_writing"/> for it and starts it when the burst ends, unless a submission that
    /// cannot wait that long starts it first.
    /// </summary>
    private bool _drainOwed;

    /// <summary>The outbox whose burst this thread is in (<see cref="BeginBurst"/>), or null.</summary>
    [ThreadStatic]
    private static Outbox? t_burst;

    /// <summary>
    /// Starts a burst on this thread, unless it is in one already: until <see cref="EndBurst"/>,
    /// what this thread posts is queued rather than written message by message, and the drain it
    /// needs runs on this thread when the burst ends, with no hand-off. A reader that passes a run
    /// of received messages to observers which answer each one at once (an Rx echo, a
    /// request-reply pipeline) so sends all the answers with one flush, as a batch written by the
    /// drain would be, without waking another thread for it. Anything else submitted meanwhile (a
    /// send that waits for its frame, a ping, a close, a message from another thread), and a burst
    /// that has queued a batch's worth of bytes, start the drain at once instead.
    /// </summary>
    /// <returns>Whether this call started the burst; only then does the caller end it.</returns>
    public bool BeginBurst()
    {
        if (t_burst is not null)
        {
            return false;
        }

        t_burst = this;
        return true;
    }

    /// <summary>Ends the burst <see cref="BeginBurst"/> started on this thread, and writes what it queued.</summary>
    public void EndBurst()
    {
        Debug.Assert(t_burst == this, "the burst is this thread's");
        t_burst = null;
        bool drain;
        lock (_lock)
        {
            drain = _drainOwed;
            _drainOwed = false;
        }

        if (drain)
        {
            _ = DrainAsync(yieldFirst: false);
        }
    }

    /// <summary>
    /// Accepts a prepared message unless the connection is not open or <see cref="BufferedBytes"/>
    /// is at or above the high-water mark (counted as a skipped send).
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>Whether it was accepted.</returns>
    public bool TryPost(PreparedMessage message)
    {
        if (BufferedBytes >= _options.WriteHighWaterMark)
        {
            _owner.Metrics.Pressure(RxSocketsMetrics.Backpressure.SendSkipped);
            return false;
        }

        return Post(OutgoingItem.Data(message));
    }

    /// <summary>
    /// Accepts prepared messages in order as <see cref="TryPost"/> does, up to the first refused,
    /// inside a burst, so that those accepted are written together when it ends: one write to the
    /// transport instead of one per message. A run of one is posted as <see cref="TryPost"/> posts
    /// it, which may write it at once on this thread.
    /// </summary>
    /// <param name="messages">The messages.</param>
    /// <returns>How many were accepted: the first ones.</returns>
    /// <exception cref="ArgumentNullException">An element is null; nothing was accepted.</exception>
    public int TryPostRun(ReadOnlySpan<PreparedMessage> messages)
    {
        foreach (PreparedMessage message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
        }

        bool started = messages.Length > 1 && BeginBurst();
        int accepted = 0;
        try
        {
            while (accepted < messages.Length && TryPost(messages[accepted]))
            {
                accepted++;
            }
        }
        finally
        {
            if (started)
            {
                EndBurst();
            }
        }

        return accepted;
    }
}
