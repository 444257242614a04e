using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>The read loop and the pull-style receive API.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Complete messages waiting for a consumer; bounded by <see cref="WebSocketOptions.MaxQueue"/>; the read loop is its only writer.</summary>
    private readonly BoundedQueue<Message> _incoming;

    /// <summary>Receives the next message.</summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The message.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed; <see cref="ConnectionClosedException.IsNormal"/> tells whether normally.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a receive loop waits once per batch: no new state-machine box each time
    public async ValueTask<Message> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested(); // a cancelled call takes nothing, even when a message waits
        while (true)
        {
            if (_incoming.TryRead(out Message message))
            {
                return Owned(message);
            }

            // Throws the closure itself (the queue's completion error) after an abnormal close.
            if (!await _incoming.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw ClosedError();
            }
        }
    }

    /// <summary>
    /// Receives the next message without copying a large payload: binary messages above 16 KiB
    /// stay in the pooled memory they were reassembled in, and go back to the pool when the result
    /// is disposed. For servers that handle large messages and let go of them (an echo, a relay, a
    /// parser): no fresh array and one copy less per message. Text and small binary messages are
    /// the same as from <see cref="ReceiveAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The message; dispose it when done with its payload (see <see cref="PooledMessage"/>).</returns>
    /// <exception cref="ConnectionClosedException">The connection closed; <see cref="ConnectionClosedException.IsNormal"/> tells whether normally.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <example>
    /// <code>
    /// while (true)
    /// {
    ///     using PooledMessage received = await connection.ReceivePooledAsync(cancellationToken);
    ///     await connection.SendAsync(received.Message, cancellationToken);
    /// }
    /// </code>
    /// </example>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a receive loop waits once per batch: no new state-machine box each time
    public async ValueTask<PooledMessage> ReceivePooledAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested(); // a cancelled call takes nothing, even when a message waits
        while (true)
        {
            if (_incoming.TryRead(out Message message))
            {
                return new PooledMessage(message, PooledPayload.Of(message));
            }

            if (!await _incoming.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw ClosedError();
            }
        }
    }

    /// <summary>Receives the next message and returns its text (binary messages are decoded as UTF-8).</summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The text.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<string> ReceiveTextAsync(CancellationToken cancellationToken = default) =>
        (await ReceiveAsync(cancellationToken).ConfigureAwait(false)).Text;

    /// <summary>
    /// Enumerates incoming messages until the connection closes: the enumeration ends on a normal
    /// close and throws <see cref="ConnectionClosedException"/> otherwise (python's <c>async for</c>).
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration (the connection stays open).</param>
    /// <returns>The messages, in order.</returns>
    public async IAsyncEnumerable<Message> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Throws the closure itself (the queue's completion error) after an abnormal close.
            if (!await _incoming.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ConnectionClosedException closed = ClosedError();
                if (!closed.IsNormal)
                {
                    throw closed;
                }

                yield break;
            }

            while (_incoming.TryRead(out Message message))
            {
                yield return Owned(message);
            }
        }
    }

    /// <summary>
    /// The read loop (Kestrel's shape): read, feed the engine, advance, drain events, let the writer
    /// send what the engine produced, and stop at the end of the stream; then finish the connection
    /// (<see cref="FinishAsync"/>). Never throws.
    /// </summary>
    private async Task ReadLoopAsync()
    {
        await ThreadPoolSwitch.Yield(stay: _options.InlineExecution); // started by Start, runs on the thread pool
        PipeReader input = _transport.Input;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled && _abort.IsCancellationRequested)
                {
                    break; // AbortTransport cancelled the read: treated as the end of the stream below
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition examined = buffer.End;
                try
                {
                    while (true)
                    {
                        // One lock per event: take an event still queued (ReceiveData stops after
                        // each one, and another thread's Fail may add one), else parse more input.
                        // ReceiveData runs only once every event is taken, because the payload of
                        // an event is borrowed until the next ReceiveData call, which only this
                        // loop makes: safe to use outside the lock.
                        ProtocolEvent protocolEvent;
                        bool flush;
                        lock (_engineLock)
                        {
                            if (!_engine.TryReadEvent(out protocolEvent))
                            {
                                _engine.ReceiveData(buffer, out SequencePosition consumed, out examined);
                                buffer = buffer.Slice(consumed);
                                if (!_engine.TryReadEvent(out protocolEvent))
                                {
                                    break; // everything parsed: wait for more input
                                }
                            }

                            flush = _engine.HasPendingOutput;
                        }

                        await HandleEventAsync(protocolEvent, flush).ConfigureAwait(false);
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, examined);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Aborted (close timeout, Abort()): treated as the end of the stream below.
        }
        catch (Exception ex)
        {
            // A reset or a broken TLS stream: the connection ends abnormally (1006). Errors that
            // follow our own abort (close timeout) are its consequence, not a cause.
            if (!_abort.IsCancellationRequested)
            {
                _localError ??= ex;
            }

            Log.TransportError(_logger, Id, ex);
        }

        try
        {
            lock (_engineLock)
            {
                _engine.ReceiveEof();
            }

            await DrainEventsAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Aborted while the last messages waited for queue room: they are dropped.
        }
        catch (Exception ex)
        {
            Log.InternalError(_logger, Id, ex);
        }

        _closedException = DescribeClosure();
        _incoming.TryComplete(_closedException.IsNormal ? null : _closedException);
        await FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Acts on every event the engine has queued (after the end of the input); returns whether there was any.</summary>
    private async ValueTask<bool> DrainEventsAsync()
    {
        bool any = false;
        while (true)
        {
            ProtocolEvent protocolEvent;
            bool flush;
            lock (_engineLock)
            {
                if (!_engine.TryReadEvent(out protocolEvent))
                {
                    return any;
                }

                flush = _engine.HasPendingOutput;
            }

            any = true;
            await HandleEventAsync(protocolEvent, flush).ConfigureAwait(false);
        }
    }

    /// <summary>Acts on one event; <paramref name="flush"/> says the engine has frames of its own to send (a pong, a close echo).</summary>
    private async ValueTask HandleEventAsync(ProtocolEvent protocolEvent, bool flush)
    {
        if (flush || protocolEvent.Type is ProtocolEventType.Close or ProtocolEventType.Failed)
        {
            // A pong, a close echo or a failure close: send it before possibly waiting for queue
            // room. After a close the writer must also look at ShouldCloseTransport, even when
            // nothing is left to write (the server closes TCP once the handshake is complete).
            _outgoing.Writer.TryWrite(OutgoingItem.FlushPending);
        }

        switch (protocolEvent.Type)
        {
            case ProtocolEventType.TextMessage:
                await EnqueueIncomingAsync(Message.FromText(Encoding.UTF8.GetString(protocolEvent.Payload.Span))).ConfigureAwait(false);
                break;

            case ProtocolEventType.BinaryMessage:
                await EnqueueIncomingAsync(ReceivedBinary(protocolEvent.Payload)).ConfigureAwait(false);
                break;

            case ProtocolEventType.Pong:
                OnPong(protocolEvent.Payload.Span);
                break;

            case ProtocolEventType.Close:
                Log.CloseReceived(_logger, Id, protocolEvent.CloseStatus);
                ArmCloseTimer();
                break;

            case ProtocolEventType.Failed:
                if (protocolEvent.Error != ProtocolError.UnexpectedEndOfStream)
                {
                    _localError ??= protocolEvent.Error is ProtocolError.MessageTooBig or ProtocolError.FrameTooBig or ProtocolError.TooManyFragments
                        ? new MessageTooLargeException(protocolEvent.Error, protocolEvent.CloseStatus)
                        : new WebSocketProtocolException(protocolEvent.Error, protocolEvent.CloseStatus);
                    Log.ProtocolError(_logger, Id, protocolEvent.Error);
                    ArmCloseTimer();
                }

                break;

            default:
                break; // Ping: the engine queued the pong, flushed above.
        }
    }

    /// <summary>
    /// The message for a received binary payload. A large payload keeps the engine's pooled array
    /// (one copy and no fresh memory for <see cref="ReceivePooledAsync"/>); consumers that keep
    /// messages get their own copy when they take it (<see cref="Owned"/>). A small one is copied
    /// here: the engine keeps its buffer for the next message.
    /// </summary>
    private Message ReceivedBinary(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length > ProtocolConnection.RetainedBufferSize)
        {
            byte[]? buffer;
            lock (_engineLock)
            {
                _engine.TryTakeMessageBuffer(out buffer);
            }

            if (buffer is not null)
            {
                return Message.FromBinary(new PooledPayload(buffer, payload.Length).Memory);
            }
        }

        return Message.FromBinary(CopyOf(payload.Span));
    }

    /// <summary>
    /// <paramref name="message"/> with a payload of its own: a pooled payload is copied and goes
    /// back to the pool (STYLE S6: whoever takes a message this way may keep it).
    /// </summary>
    private static Message Owned(Message message) =>
        PooledPayload.Of(message) is { } pooled ? Message.FromBinary(pooled.CopyAndRelease()) : message;

    /// <summary>
    /// The message's own copy of a payload the engine lends. Not zeroed first: every byte is
    /// overwritten at once, and for a large message zeroing would be a second pass over fresh memory.
    /// </summary>
    private static byte[] CopyOf(ReadOnlySpan<byte> payload)
    {
        byte[] copy = GC.AllocateUninitializedArray<byte>(payload.Length);
        payload.CopyTo(copy);
        return copy;
    }

    private ValueTask EnqueueIncomingAsync(Message message)
    {
        // Fast path without an await; when the queue is full, waiting here pauses the read loop
        // so TCP pushes back (unless the transport is aborted meanwhile).
        return _incoming.TryWrite(message) ? ValueTask.CompletedTask : EnqueueWhenRoomAsync(message);
    }

    /// <summary>Waits for room in the incoming queue; throws <see cref="OperationCanceledException"/> when the transport is aborted meanwhile.</summary>
    private async ValueTask EnqueueWhenRoomAsync(Message message)
    {
        // The read loop is the queue's only writer and completes it only after its last message:
        // room can only be taken by this loop, so the retry succeeds.
        while (await _incoming.WaitToWriteAsync(_abort.Token).ConfigureAwait(false))
        {
            if (_incoming.TryWrite(message))
            {
                return;
            }
        }
    }
}
