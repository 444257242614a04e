using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The sending surfaces: <c>SendAsync</c>, <c>TrySend</c>, the <see cref="IObserver{T}"/> sink and closing; all through the outbox.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>
    /// Sends a message and completes once it has been written to the transport. The message is
    /// accepted at once, behind every message accepted before it, so calls that are not awaited
    /// one by one still go out in call order; the task completes when the writer reaches it (a
    /// peer that reads slowly makes it wait). Completion means "handed to the transport", not
    /// "received by the peer": only the closing handshake or an application-level acknowledgement
    /// proves delivery.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">
    /// Stops waiting. A token cancelled on entry sends nothing; once accepted, the message is
    /// still sent.
    /// </param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed; the message was not sent.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ArgumentException">A text message contains a lone surrogate; nothing was sent and the connection goes on.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="message"/> came from a <see cref="PooledMessage"/> that was disposed; nothing was sent and the connection goes on.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default)
    {
        // A cancelled token must not send anything: the caller sees OperationCanceledException
        // and has every reason to believe the message was not sent (as ManagedWebSocket does).
        cancellationToken.ThrowIfCancellationRequested();
        PooledPayload.Of(message)?.ThrowIfReleased(); // before anything is written: the connection goes on
        switch (Outbox.Submit(OutgoingItem.Data(message), awaited: true, out ValueTask<FlushResult> flush, out Task? written))
        {
            case Submitted.Done:
                Metrics.Sent(message);
                return ValueTask.CompletedTask;

            case Submitted.Written when flush.IsCompletedSuccessfully && !flush.Result.IsCanceled:
                Outbox.EndInlineWrite();
                Metrics.Sent(message);
                return ValueTask.CompletedTask;

            case Submitted.Written:
                Metrics.Sent(message);
                Task flushed = Outbox.CompleteInlineWriteAsync(flush);
                return new ValueTask(cancellationToken.CanBeCanceled ? flushed.WaitAsync(cancellationToken) : flushed);

            case Submitted.Queued:
                Metrics.Sent(message);
                return new ValueTask(cancellationToken.CanBeCanceled ? written!.WaitAsync(cancellationToken) : written!);

            default:
                throw ClosedError();
        }
    }

    /// <summary>Sends a text message (see <see cref="SendAsync(Message, CancellationToken)"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Message.FromText(text), cancellationToken);

    /// <summary>Sends a binary message (see <see cref="SendAsync(Message, CancellationToken)"/>). Do not change the memory until the task completes.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(Message.FromBinary(data), cancellationToken);

    /// <summary>Sends a binary message (see <see cref="SendAsync(Message, CancellationToken)"/>). Do not change the array until the task completes.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SendAsync(byte[] data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return SendAsync(Message.FromBinary(data), cancellationToken);
    }

    /// <summary>
    /// Sends a message framed beforehand without waiting, unless the connection is closing or
    /// <see cref="WebSocketOptions.WriteHighWaterMark"/> bytes or more wait to be written: the
    /// building block of broadcasts and feeds, where a slow connection must not hold up the others.
    /// The message goes out after every message accepted before it, as from <c>SendAsync</c> or the sink.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>
    /// Whether the message was accepted. <see langword="false"/> means nothing was queued: the
    /// connection is not open, or <see cref="BufferedBytes"/> is at or above the high-water mark
    /// (wait with <see cref="WaitForRoomAsync"/>, or apply a policy: drop, keep the latest, close).
    /// A message accepted is written unless the connection fails first, which its incoming stream reports.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public bool TrySend(PreparedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Outbox.TryPost(message);
    }

    /// <summary>
    /// Offers <paramref name="messages"/> in order as <see cref="TrySend(PreparedMessage)"/> does,
    /// up to the first one refused, and writes those accepted together rather than one by one: how
    /// a connection that fell behind catches up on a run of broadcast frames with one write.
    /// </summary>
    /// <param name="messages">The messages.</param>
    /// <returns>How many were accepted: the first ones of <paramref name="messages"/>.</returns>
    /// <exception cref="ArgumentNullException">An element is null; nothing was accepted.</exception>
    public int TrySend(ReadOnlySpan<PreparedMessage> messages) => Outbox.TryPostRun(messages);

    /// <summary>
    /// Bytes accepted for sending (by <c>SendAsync</c>, the sink, <see cref="TrySend(PreparedMessage)"/>
    /// or a broadcast) that wait to be handed to the transport: how far behind a slow peer is, as a
    /// browser's <c>WebSocket.bufferedAmount</c>. Text counts one byte per UTF-16 character.
    /// </summary>
    public long BufferedBytes => Outbox.BufferedBytes;

    /// <summary>
    /// Waits until <see cref="BufferedBytes"/> is at or below a quarter of
    /// <see cref="WebSocketOptions.WriteHighWaterMark"/> (the low-water mark). Completes at once when it already is.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when there is room.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken = default) => Outbox.WaitForRoomAsync(cancellationToken);

    /// <summary>
    /// Starts the closing handshake with <paramref name="code"/> and waits until the connection is
    /// closed (at most about <see cref="WebSocketOptions.CloseTimeout"/>). Messages accepted before
    /// go out first. Does nothing more if a close is already under way.
    /// </summary>
    /// <param name="code">The close code (1000–1003, 1007–1014 or 3000–4999).</param>
    /// <param name="reason">The reason, at most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting; the close goes on.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    /// <exception cref="ArgumentException">The code may not be sent, or the reason is too long.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(code, reason);
        if (!CloseStatus.IsValidOnWire((int)code) || System.Text.Encoding.UTF8.GetByteCount(status.Reason) > CloseStatus.MaxReasonBytes)
        {
            throw new ArgumentException($"Cannot close with {status}: the code must be valid on the wire and the reason at most {CloseStatus.MaxReasonBytes} UTF-8 bytes.", nameof(code));
        }

        StartClose(status);
        return _closed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues a message without waiting (the <see cref="IObserver{T}"/> sink side).</summary>
    /// <param name="value">The message.</param>
    /// <remarks>
    /// The sink cannot wait, so its policy on overflow is explicit: beyond
    /// <see cref="WebSocketOptions.SinkBufferLimit"/> buffered bytes the connection fails with 1011
    /// "send buffer overflow" (a single message larger than the limit is accepted when nothing else
    /// is buffered, since its memory is already allocated). Messages pushed after the connection
    /// started closing, and text with a lone surrogate, are dropped (the incoming stream's
    /// termination tells the producer why the connection ended).
    /// </remarks>
    /// <exception cref="ObjectDisposedException"><paramref name="value"/> came from a <see cref="PooledMessage"/> that was disposed.</exception>
    public void OnNext(Message value)
    {
        PooledPayload.Of(value)?.ThrowIfReleased(); // a disposed pooled message is the caller's error, not the connection's
        OutgoingItem item = OutgoingItem.Data(value);
        long buffered = Outbox.BufferedBytes;
        if (buffered > 0 && buffered + item.Size > _options.SinkBufferLimit)
        {
            Metrics.Pressure(RxSocketsMetrics.Backpressure.SinkOverflow);
            RecordError(new InvalidOperationException($"The send buffer overflowed: more than {_options.SinkBufferLimit} bytes were buffered through OnNext. Throttle the producer or use SendAsync."));
            FailConnection(new CloseStatus(CloseCode.InternalError, "send buffer overflow"));
            return;
        }

        try
        {
            if (!Outbox.Post(item))
            {
                Log.DroppedAfterClose(_logger, Id);
            }
        }
        catch (ArgumentException)
        {
            // Text with a lone surrogate: dropped, the connection goes on.
        }
    }

    /// <summary>Closes the connection with 1000 (the producer is done).</summary>
    public void OnCompleted() => StartClose(new CloseStatus(CloseCode.NormalClosure));

    /// <summary>Closes the connection with 1011, or with the status of a <see cref="WebSocketCloseException"/>.</summary>
    /// <param name="error">Why the producer failed; its message is not sent to the peer.</param>
    public void OnError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        CloseStatus status = error is WebSocketCloseException close ? close.Status : new CloseStatus(CloseCode.InternalError);
        if (error is not WebSocketCloseException)
        {
            Log.ProducerFailed(_logger, Id, error);
        }

        StartClose(status);
    }

    /// <summary>Queues a close frame behind everything accepted before it (if the connection still sends) and arms the close timeout.</summary>
    private void StartClose(CloseStatus status)
    {
        if (Outbox.Post(OutgoingItem.Closing(status)))
        {
            ArmCloseTimer();
        }
    }

    /// <summary>Fails the connection from this side: the engine queues the close frame at once and ignores further input.</summary>
    internal void FailConnection(CloseStatus status)
    {
        lock (_lock)
        {
            _engine.Fail(status);
        }

        Outbox.WriteEngineOutput();
        ArmCloseTimer();
    }
}
