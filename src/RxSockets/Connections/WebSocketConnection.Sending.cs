using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>The write loop, the async send API and the <see cref="IObserver{T}"/> sink.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Most bytes written into the pipe before a flush, so one huge batch does not hold memory.</summary>
    private const int MaxBatchBytes = 256 * 1024;

    /// <summary>Ordered send queue (text, binary, pings, close): one reader, the write loop.</summary>
    private readonly Channel<OutgoingItem> _outgoing;

    /// <summary>Bytes queued and not yet flushed (approximate for text); guarded by <see cref="Interlocked"/>.</summary>
    private long _queuedBytes;

    /// <summary>
    /// Completed (and cleared) when the queue drains below the low-water mark; senders above the
    /// high-water mark create it and wait on it. Null while nobody waits (an idle connection has none).
    /// </summary>
    private TaskCompletionSource? _room;

    /// <summary>Whether the output was half-closed after the closing handshake (server side).</summary>
    private bool _outputClosed;

    /// <summary>
    /// Held by whoever writes into the transport's output: the write loop for a batch, or
    /// <c>SendAsync</c> writing its frame itself when nothing is queued (issue 7).
    /// </summary>
    private readonly WriteGate _writeGate = new();

    /// <summary>
    /// Messages and closes in <see cref="_outgoing"/> that the write loop has not taken yet
    /// (<see cref="Interlocked"/>); <c>SendAsync</c> writes inline only while it is 0, so it never
    /// overtakes a message or a close queued before it.
    /// </summary>
    private int _queuedItems;

    /// <summary>
    /// Sends a message and completes once it has been written to the transport. Waits first while
    /// more than <see cref="WebSocketOptions.WriteHighWaterMark"/> bytes are queued. Completion
    /// means "handed to the transport", not "received by the peer": only the closing handshake or
    /// an application-level acknowledgement proves delivery.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait for room or for the write. A token cancelled on entry sends nothing; once
    /// queued, the message may still be sent.
    /// </param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed; the message was not sent.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="message"/> came from a <see cref="PooledMessage"/> that was disposed; nothing was sent and the connection goes on.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default)
    {
        // An already cancelled token must not queue anything: the caller sees OperationCanceledException
        // and has every reason to believe the message was not sent (runtime's ManagedWebSocket does the same).
        cancellationToken.ThrowIfCancellationRequested();
        PooledPayload.Of(message)?.ThrowIfReleased(); // before anything is written: the connection goes on

        // Fast path (issue 7): nothing queued and nobody writing, so write the frame here and flush,
        // without a queue item, a completion source or a hop to the write loop and back. Same
        // contract: it completes once the frame is flushed to the transport. TryWriteInline checks
        // that the connection is open under the engine lock it takes anyway.
        if (Volatile.Read(ref _queuedBytes) < _options.WriteHighWaterMark && TryWriteInline(message, out ValueTask<FlushResult> flush))
        {
            return flush.IsCompletedSuccessfully ? EndInlineFlush() : AwaitInlineFlushAsync(flush, cancellationToken);
        }

        ThrowIfNotOpen();
        return SendQueuedAsync(message, cancellationToken);
    }

    /// <summary>The queued path of <see cref="SendAsync(Message, CancellationToken)"/>: waits for room, queues, waits for the write loop's flush.</summary>
    private async ValueTask SendQueuedAsync(Message message, CancellationToken cancellationToken)
    {
        long size = SizeOf(message);
        while (true)
        {
            // Read the signal before the count: a release in between completes this very signal.
            TaskCompletionSource room = RoomSignal();
            if (Volatile.Read(ref _queuedBytes) < _options.WriteHighWaterMark)
            {
                break;
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfNotOpen();
        }

        var item = new OutgoingItem(OutgoingKind.Message, message, null, size, NewSignal());
        Enqueue(item);
        await item.Completion!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a text message (see <see cref="SendAsync(Message, CancellationToken)"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Message.FromText(text), cancellationToken);

    /// <summary>Sends a binary message (see <see cref="SendAsync(Message, CancellationToken)"/>). Do not change the memory until the task completes.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(Message.FromBinary(data), cancellationToken);

    /// <summary>Sends a binary message (see <see cref="SendAsync(Message, CancellationToken)"/>). Do not change the array until the task completes.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
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
    /// Starts the closing handshake with <paramref name="code"/> and waits until the connection is
    /// closed (at most about <see cref="WebSocketOptions.CloseTimeout"/>). Does nothing more if a
    /// close is already under way.
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

        StartClose(status, completion: null);
        return _closed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues a message without waiting (the <see cref="IObserver{T}"/> sink side).</summary>
    /// <param name="value">The message.</param>
    /// <remarks>
    /// The sink cannot wait, so its policy on overflow is explicit: beyond
    /// <see cref="WebSocketOptions.SinkBufferLimit"/> queued bytes the connection fails with 1011
    /// "send buffer overflow" (a single message larger than the limit is accepted when nothing else
    /// is queued, since its memory is already allocated). Messages pushed after the connection started closing are dropped
    /// (the incoming stream's termination tells the producer why).
    /// </remarks>
    /// <exception cref="ObjectDisposedException"><paramref name="value"/> came from a <see cref="PooledMessage"/> that was disposed.</exception>
    public void OnNext(Message value)
    {
        PooledPayload.Of(value)?.ThrowIfReleased(); // a disposed pooled message is the caller's error, not the connection's
        if (State != ConnectionState.Open)
        {
            Log.DroppedAfterClose(_logger, Id);
            return;
        }

        long size = SizeOf(value);
        long queued = Volatile.Read(ref _queuedBytes);
        if (queued > 0 && queued + size > _options.SinkBufferLimit)
        {
            _localError ??= new InvalidOperationException($"The send buffer overflowed: more than {_options.SinkBufferLimit} bytes were queued through OnNext. Throttle the producer or use SendAsync.");
            FailConnection(new CloseStatus(CloseCode.InternalError, "send buffer overflow"));
            return;
        }

        if (queued == 0 && TryWriteInlineFromSink(value))
        {
            return;
        }

        Enqueue(new OutgoingItem(OutgoingKind.Message, value, null, size, null));
    }

    /// <summary>
    /// The sink's inline path (issue 7): with nothing queued and the write gate free, writes the
    /// frame and flushes here instead of queueing it for the write loop. If the flush has to wait
    /// (the transport pushes back), the gate stays held until it completes, so later messages queue
    /// behind it and count toward <see cref="WebSocketOptions.SinkBufferLimit"/>.
    /// </summary>
    /// <returns>Whether the message was dealt with (written, or dropped because it cannot be sent).</returns>
    private bool TryWriteInlineFromSink(Message value)
    {
        ValueTask<FlushResult> flush;
        try
        {
            if (!TryWriteInline(value, out flush))
            {
                return false;
            }
        }
        catch (ConnectionClosedException)
        {
            Log.DroppedAfterClose(_logger, Id); // closing meanwhile, or the transport failed
            return true;
        }
        catch (ArgumentException)
        {
            return true; // text with a lone surrogate: dropped, as on the queued path; the connection goes on
        }

        if (flush.IsCompletedSuccessfully)
        {
            _writeGate.Release();
        }
        else
        {
            _ = ObserveSinkFlushAsync(CompleteInlineFlushAsync(flush));
        }

        return true;
    }

    /// <summary>Waits for an inline sink flush; a failure has already failed the connection, which the incoming stream reports.</summary>
    private static async Task ObserveSinkFlushAsync(Task flushed)
    {
        try
        {
            await flushed.ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
        }
    }

    /// <summary>
    /// Sends a message framed beforehand without waiting, unless the connection is closing or more
    /// than <see cref="WebSocketOptions.WriteHighWaterMark"/> bytes wait to be written: the building
    /// block of broadcasts and feeds, where a slow connection must not hold up the others. The
    /// message goes out after every message accepted before it, as from <c>SendAsync</c> or the sink.
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
        if (!CanSend || Volatile.Read(ref _queuedBytes) >= _options.WriteHighWaterMark)
        {
            return false;
        }

        Enqueue(new OutgoingItem(message));
        return true;
    }

    /// <summary>
    /// Bytes accepted for sending (by <c>SendAsync</c>, the sink, <see cref="TrySend(PreparedMessage)"/>
    /// or a broadcast) that wait to be handed to the transport: how far behind a slow peer is, as a
    /// browser's <c>WebSocket.bufferedAmount</c>. Text counts one byte per UTF-16 character.
    /// </summary>
    public long BufferedBytes => Math.Max(0, Volatile.Read(ref _queuedBytes));

    /// <summary>
    /// Waits until <see cref="BufferedBytes"/> is at or below a quarter of
    /// <see cref="WebSocketOptions.WriteHighWaterMark"/> (the low-water mark), the point at which
    /// waiting senders resume. Completes at once when it already is.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when there is room.</returns>
    /// <exception cref="ConnectionClosedException">The connection is closing or closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (!CanSend)
            {
                throw ClosedError();
            }

            TaskCompletionSource room = RoomSignal(); // before the count: a release in between completes it
            if (Volatile.Read(ref _queuedBytes) <= _options.WriteHighWaterMark / 4)
            {
                return;
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection with 1000 (the producer is done).</summary>
    public void OnCompleted() => StartClose(new CloseStatus(CloseCode.NormalClosure), completion: null);

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

        StartClose(status, completion: null);
    }

    /// <summary>Queues a close frame (if the connection is still open) and arms the close timeout.</summary>
    private void StartClose(CloseStatus status, TaskCompletionSource? completion)
    {
        Interlocked.Increment(ref _queuedItems); // no inline send overtakes the close
        if (_outgoing.Writer.TryWrite(new OutgoingItem(OutgoingKind.Close, default, status, 0, completion)))
        {
            ArmCloseTimer();
        }
        else
        {
            Interlocked.Decrement(ref _queuedItems);
        }
    }

    /// <summary>Fails the connection from this side: the engine queues the close frame and ignores further input.</summary>
    private void FailConnection(CloseStatus status)
    {
        lock (_engineLock)
        {
            _engine.Fail(status);
        }

        _outgoing.Writer.TryWrite(OutgoingItem.FlushPending);
        ArmCloseTimer();
    }

    private void Enqueue(OutgoingItem item)
    {
        Interlocked.Add(ref _queuedBytes, item.Size);
        Interlocked.Increment(ref _queuedItems);
        if (!_outgoing.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queuedItems);
            Interlocked.Add(ref _queuedBytes, -item.Size);
            item.ReleasePayload();
            item.Completion?.TrySetException(ClosedError());
        }
    }

    /// <summary>
    /// Whether <c>SendAsync</c> may write inline: only over <see cref="SocketTransport"/>, whose
    /// flush hands the bytes to its send loop through a bounded pipe, so a caller that sends in a
    /// loop waits (and yields its thread) once the pipe is full. Over a stream, a flush is a
    /// synchronous socket write that the kernel's buffer would let such a loop repeat for
    /// megabytes without ever yielding, starving the thread pool. Never under
    /// <see cref="WebSocketOptions.InlineExecution"/>, whose deterministic schedule the gate's
    /// asynchronous wake-ups would break.
    /// </summary>
    private bool InlineSends => _transport is SocketTransport && !_options.InlineExecution;

    /// <summary>
    /// Writes <paramref name="message"/> into the transport and starts its flush, if inline sends
    /// are allowed, nothing is queued and the write gate is free; returns false (nothing written) otherwise.
    /// </summary>
    private bool TryWriteInline(Message message, out ValueTask<FlushResult> flush)
    {
        flush = default;
        if (!InlineSends || Volatile.Read(ref _queuedItems) != 0 || !_writeGate.TryEnter())
        {
            return false;
        }

        if (Volatile.Read(ref _queuedItems) != 0)
        {
            _writeGate.Release(); // queued meanwhile: it goes first
            return false;
        }

        PipeWriter output = _transport.Output;
        try
        {
            ReadOnlyMemory<byte> direct;
            lock (_engineLock)
            {
                if (_engine.State != ConnectionState.Open)
                {
                    throw _closedException ?? DescribeClosureLocked();
                }

                if (!TryWriteDirectHeader(message, output, out direct))
                {
                    WriteMessage(message, output);
                    if (_engine.HasPendingOutput)
                    {
                        _engine.WritePendingOutput(output); // a pong the read loop queued meanwhile
                    }
                }
            }

            flush = FlushAsync(output, direct); // with a direct payload, the gate stays held until it is out
            return true;
        }
        catch (Exception ex) when (ex is not (ArgumentException or ConnectionClosedException))
        {
            _writeGate.Release();
            throw TransportFailed(ex);
        }
        catch
        {
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>Ends an inline send whose flush completed synchronously.</summary>
    private ValueTask EndInlineFlush()
    {
        _writeGate.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>Ends an inline send whose flush waits (the transport pushes back); the caller's token cancels only the wait.</summary>
    private ValueTask AwaitInlineFlushAsync(ValueTask<FlushResult> flush, CancellationToken cancellationToken)
    {
        Task flushed = CompleteInlineFlushAsync(flush);
        return new ValueTask(cancellationToken.CanBeCanceled ? flushed.WaitAsync(cancellationToken) : flushed);
    }

    private async Task CompleteInlineFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw TransportFailed(ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>A write or flush into the transport failed: the connection fails as when the write loop's flush fails.</summary>
    private ConnectionClosedException TransportFailed(Exception ex)
    {
        if (!(ex is OperationCanceledException && _abort.IsCancellationRequested))
        {
            _localError ??= ex;
            Log.TransportError(_logger, Id, ex);
        }

        AbortTransport();
        return ClosedError();
    }

    /// <summary>Whether a message accepted now can still be written: open, and the transport not aborted.</summary>
    private bool CanSend => !_abort.IsCancellationRequested && State == ConnectionState.Open;

    private void ThrowIfNotOpen()
    {
        if (State != ConnectionState.Open)
        {
            throw ClosedError();
        }
    }

    private static long SizeOf(Message message) => message.IsText ? message.TextData!.Length : message.BinaryData.Length;

    /// <summary>
    /// The write loop: takes everything queued, writes it through the engine into the pipe under
    /// one lock, flushes once per batch, then completes the senders.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        await ThreadPoolSwitch.Yield(stay: _options.InlineExecution); // started by Start, runs on the thread pool
        PipeWriter output = _transport.Output;
        ChannelReader<OutgoingItem> reader = _outgoing.Reader;
        var batch = new List<OutgoingItem>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false)) // AbortTransport wakes it with a flush item
            {
                await _writeGate.WaitAsync(_abort.Token).ConfigureAwait(false); // an inline SendAsync may be writing
                try
                {
                    long batchBytes = 0;
                    bool closeOutput;
                    ReadOnlyMemory<byte> direct = default;
                    lock (_engineLock)
                    {
                        while (batchBytes < MaxBatchBytes && reader.TryRead(out OutgoingItem? item))
                        {
                            // Into the batch first: if writing throws (the transport went away under
                            // us), the item must still be failed below rather than lost with its sender.
                            batch.Add(item);
                            Taken(item);
                            if (item.Kind == OutgoingKind.Message && TryWriteDirectHeader(item.Message, output, out direct))
                            {
                                break; // its payload follows the flush; the rest waits for the next turn
                            }

                            batchBytes += WriteItem(item, output);
                        }

                        // After a direct header nothing else may be written: pending engine frames go
                        // in the next turn, which the read loop's flush request starts.
                        if (direct.IsEmpty && _engine.HasPendingOutput)
                        {
                            _engine.WritePendingOutput(output);
                        }

                        closeOutput = direct.IsEmpty && _engine.ShouldCloseTransport && !_outputClosed;
                    }

                    await FlushAsync(output, direct).ConfigureAwait(false);
                    CompleteBatch(batch, error: null);
                    if (closeOutput)
                    {
                        // RFC 6455 §7.1.1: the server closes the TCP connection first, once the closing handshake is done.
                        _outputClosed = true;
                        await _transport.CloseOutputAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writeGate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Aborted: what is left fails below.
        }
        catch (Exception ex)
        {
            _localError ??= ex;
            Log.TransportError(_logger, Id, ex);
            AbortTransport();
        }

        // Nothing will ever be written again: close the queue before failing what is left, so a send
        // racing with this exit fails in Enqueue instead of waiting forever in a queue nobody reads
        // (the loop can end on an abort or a transport error long before FinishAsync completes it).
        _outgoing.Writer.TryComplete();
        CompleteBatch(batch, ClosedError());
        while (reader.TryRead(out OutgoingItem? left))
        {
            Taken(left);
            left.Completion?.TrySetException(ClosedError());
            left.ReleasePayload();
            Release(left.Size);
        }
    }

    /// <summary>Writes one queued item through the engine; items that can no longer be sent fail. Called under the engine lock.</summary>
    private long WriteItem(OutgoingItem item, PipeWriter output)
    {
        try
        {
            switch (item.Kind)
            {
                case OutgoingKind.Message when _engine.State == ConnectionState.Open:
                    return item.Prepared is { } frame && Side == ConnectionSide.Server
                        ? _engine.SendPrepared(frame, output)
                        : WriteMessage(item.Message, output);

                case OutgoingKind.Ping when _engine.State == ConnectionState.Open:
                    return _engine.SendPing(item.Message.BinaryData.Span, output);

                case OutgoingKind.Close when _engine.State == ConnectionState.Open:
                    return _engine.SendClose(item.Close, output);

                case OutgoingKind.Flush or OutgoingKind.Close:
                    return _engine.WritePendingOutput(output); // a close already under way is not an error

                default:
                    item.Completion?.TrySetException(DescribeClosureLocked());
                    return 0;
            }
        }
        catch (ArgumentException ex)
        {
            // Text with a lone surrogate: this message fails, the connection goes on.
            item.Completion?.TrySetException(ex);
            return 0;
        }
    }

    /// <summary>Writes a data message through the engine. Called under the engine lock, by the gate's holder.</summary>
    private long WriteMessage(Message message, PipeWriter output) =>
        message.IsText
            ? _engine.SendText(message.TextData.AsSpan(), output, compress: !message.DisableCompression)
            : _engine.SendBinary(message.BinaryData.Span, output, compress: !message.DisableCompression);

    /// <summary>Counts an item taken off the queue by the write loop (see <see cref="_queuedItems"/>).</summary>
    private void Taken(OutgoingItem item)
    {
        if (item.Kind is OutgoingKind.Message or OutgoingKind.Close)
        {
            Interlocked.Decrement(ref _queuedItems);
        }
    }

    private void CompleteBatch(List<OutgoingItem> batch, Exception? error)
    {
        foreach (OutgoingItem item in batch)
        {
            if (error is null)
            {
                item.Completion?.TrySetResult();
            }
            else
            {
                item.Completion?.TrySetException(error);
            }

            item.ReleasePayload();
            Release(item.Size);
        }

        batch.Clear();
    }

    /// <summary>The signal that the next release below the low-water mark completes; created by the first sender that needs it.</summary>
    private TaskCompletionSource RoomSignal()
    {
        TaskCompletionSource? room = Volatile.Read(ref _room);
        if (room is null)
        {
            TaskCompletionSource created = NewSignal();
            room = Interlocked.CompareExchange(ref _room, created, null) ?? created;
        }

        return room;
    }

    /// <summary>Returns queue room; wakes waiting senders once below the low-water mark (a quarter of the high-water mark).</summary>
    private void Release(long size)
    {
        if (size == 0)
        {
            return;
        }

        long left = Interlocked.Add(ref _queuedBytes, -size);
        if (left <= _options.WriteHighWaterMark / 4)
        {
            Interlocked.Exchange(ref _room, null)?.TrySetResult();
        }
    }
}
