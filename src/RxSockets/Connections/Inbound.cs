using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// The receiving side of a connection: the read loop that feeds the transport's bytes to the
/// engine and acts on its events in order: messages to the incoming queue (with backpressure),
/// pongs owed to the outbox, pongs received to keepalive, a close to the closing handshake, and a
/// violation to a close that waits until what came before it was answered.
/// </summary>
/// <remarks>One loop per connection; its fields are touched by that loop only, unless their comment says otherwise.</remarks>
internal sealed class Inbound
{
    private readonly WebSocketConnection _owner;
    private readonly ProtocolConnection _engine;
    private readonly Lock _lock;
    private readonly ITransport _transport;
    private readonly WebSocketOptions _options;
    private readonly IncomingQueue<Message> _incoming;
    private readonly Outbox _outbox;

    /// <summary>Completed when this side's close frame goes out, while the read loop waits for the consumer before failing the connection.</summary>
    private TaskCompletionSource? _graceEnd;

    /// <summary>Set once this side has sent its close frame and the consumer stopped taking messages: messages that do not fit are dropped from then on.</summary>
    private bool _consumerStalled;

    /// <summary>Stall-check intervals gone by while the read loop waits for room after this side's close.</summary>
    private int _stallChecks;

    public Inbound(WebSocketConnection owner, ProtocolConnection engine, Lock engineLock, ITransport transport, WebSocketOptions options, IncomingQueue<Message> incoming, Outbox outbox)
    {
        _owner = owner;
        _engine = engine;
        _lock = engineLock;
        _transport = transport;
        _options = options;
        _incoming = incoming;
        _outbox = outbox;
    }

    /// <summary>This side's close frame went out: the grace before failing, if any, ends.</summary>
    public void OnCloseSent() => _graceEnd?.TrySetResult();

    /// <summary>
    /// The read loop (Kestrel's shape): read, feed the engine, advance, act on each event in
    /// order, and stop at the end of the stream; then finish the connection
    /// (<see cref="WebSocketConnection.FinishAsync"/>). Never throws.
    /// </summary>
    public async Task RunAsync()
    {
        await _options.Execution.Yield(); // started by Start: runs where the connection's loops run
        PipeReader input = _transport.Input;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled && _owner.IsAborted)
                {
                    break; // AbortTransport cancelled the read: treated as the end of the stream below
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition examined = buffer.End;
                try
                {
                    while (true)
                    {
                        // One lock per event: take an event still queued, else parse more input.
                        // ReceiveData runs only once every event is taken, because an event's
                        // payload is borrowed until the next ReceiveData call, which only this
                        // loop makes: safe to use outside the lock.
                        ProtocolEvent protocolEvent;
                        lock (_lock)
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
                        }

                        await HandleEventAsync(protocolEvent).ConfigureAwait(false);
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
        catch (OperationCanceledException) when (_owner.IsAborted)
        {
            // Aborted (close timeout, Abort()): treated as the end of the stream below.
        }
        catch (Exception ex)
        {
            // A reset or a broken TLS stream: the connection ends abnormally (1006). Errors that
            // follow our own abort (close timeout) are its consequence, not a cause.
            if (!_owner.IsAborted)
            {
                _owner.RecordError(ex);
            }

            Log.TransportError(_owner.Logger, _owner.Id, ex);
        }

        try
        {
            lock (_lock)
            {
                _engine.ReceiveEof();
            }

            while (true)
            {
                ProtocolEvent protocolEvent;
                lock (_lock)
                {
                    if (!_engine.TryReadEvent(out protocolEvent))
                    {
                        break;
                    }
                }

                await HandleEventAsync(protocolEvent).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_owner.IsAborted)
        {
            // Aborted while the last messages waited for queue room: they are dropped.
        }
        catch (Exception ex)
        {
            Log.InternalError(_owner.Logger, _owner.Id, ex);
        }

        await _owner.FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Acts on one event, in the order the engine produced them.</summary>
    private ValueTask HandleEventAsync(in ProtocolEvent protocolEvent)
    {
        switch (protocolEvent.Type)
        {
            case ProtocolEventType.TextMessage:
                _owner.Metrics.Received(text: true, protocolEvent.Payload.Length);
                return DeliverAsync(Message.FromText(Encoding.UTF8.GetString(protocolEvent.Payload.Span)));

            case ProtocolEventType.BinaryMessage:
                _owner.Metrics.Received(text: false, protocolEvent.Payload.Length);
                return DeliverAsync(ReceivedBinary(protocolEvent.Payload));

            case ProtocolEventType.Ping:
                return AnswerPingAsync();

            case ProtocolEventType.Pong:
                _owner.OnPong(protocolEvent.Payload.Span);
                return ValueTask.CompletedTask;

            case ProtocolEventType.Close:
                Log.CloseReceived(_owner.Logger, _owner.Id, protocolEvent.CloseStatus);
                _owner.ArmCloseTimer();
                _outbox.WriteEngineOutput(); // the echo, and the half-close that follows it on a server
                return ValueTask.CompletedTask;

            case ProtocolEventType.Failed when protocolEvent.Error != ProtocolError.UnexpectedEndOfStream:
                _owner.RecordError(protocolEvent.Error is ProtocolError.MessageTooBig or ProtocolError.FrameTooBig or ProtocolError.TooManyFragments
                    ? new MessageTooLargeException(protocolEvent.Error, protocolEvent.CloseStatus)
                    : new WebSocketProtocolException(protocolEvent.Error, protocolEvent.CloseStatus));
                Log.ProtocolError(_owner.Logger, _owner.Id, protocolEvent.Error);
                return FailAfterGraceAsync();

            default:
                return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// The engine owes a pong: has it written. When the engine owes the most pongs it keeps (the
    /// peer pings faster than the pongs go out), reading waits until they are written, so a peer
    /// that pings without reading meets TCP backpressure instead of unbounded work.
    /// </summary>
    private ValueTask AnswerPingAsync()
    {
        _outbox.WriteEngineOutput();
        bool full;
        lock (_lock)
        {
            full = _engine.OwedPongs >= ProtocolConnection.MaxOwedPongs;
        }

        return full ? new ValueTask(_outbox.EngineOutputWrittenAsync()) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// The peer broke the protocol after the events already handled: RFC 6455 processes frames in
    /// order, so the messages before the violation are delivered and answered before the close
    /// goes out. Waits until the consumer has taken them and come back for more (its answers are
    /// then in the outbox), at most <see cref="WebSocketOptions.CloseTimeout"/>, or until a close
    /// from this side went out meanwhile; then the close frame is queued.
    /// </summary>
    private async ValueTask FailAfterGraceAsync()
    {
        Task caughtUp = _incoming.WhenCaughtUpAsync();
        if (!caughtUp.IsCompleted)
        {
            TaskCompletionSource graceEnd = _graceEnd = _options.Execution.NewSignal();
            bool closeSent;
            lock (_lock)
            {
                closeSent = !_engine.FailurePending;
            }

            if (!closeSent)
            {
                try
                {
                    await Task.WhenAny(caughtUp, graceEnd.Task).WaitAsync(_options.CloseTimeout, _options.TimeProvider).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The consumer did not come back in time: fail now.
                }
            }
        }

        // The close goes through the outbox like any close, behind the answers accepted before it;
        // the engine sends the violation's status in place of this one.
        if (!_owner.Outbox.Post(OutgoingItem.Closing(new CloseStatus(CloseCode.ProtocolError))))
        {
            lock (_lock)
            {
                _engine.CommitFailure(); // the outbox has ended: nothing more goes out, but the engine's state says why
            }
        }

        _owner.ArmCloseTimer();
    }

    /// <summary>
    /// Queues a received message for the consumer. When the queue is full, reading waits for room
    /// (TCP pushes back on the peer). Once this side has sent its close frame, reading must reach
    /// the peer's close frame whatever the queue holds (RFC 6455 §7.1.1–§7.1.3): a message that
    /// finds the queue full is then dropped when nobody consumes, or when the consumer took nothing
    /// for a quarter of <see cref="WebSocketOptions.CloseTimeout"/>, and so is every message after it;
    /// a consumer that keeps taking messages still gets every one.
    /// </summary>
    private ValueTask DeliverAsync(Message message)
    {
        if (_consumerStalled)
        {
            // Once one message was dropped, every later one is: the consumer gets a prefix of the
            // stream, never a stream with a hole in it.
            Drop(message);
            return ValueTask.CompletedTask;
        }

        return _incoming.TryWrite(message) ? ValueTask.CompletedTask : DeliverWhenRoomAsync(message);
    }

    /// <summary>Lets go of a received message nobody will get.</summary>
    private void Drop(Message message)
    {
        PooledPayload.Of(message)?.ReleaseReceiver();
        Log.DroppedAfterClose(_owner.Logger, _owner.Id);
    }

    private async ValueTask DeliverWhenRoomAsync(Message message)
    {
        _owner.Metrics.Pressure(RxSocketsMetrics.Backpressure.ReceivePaused);
        ITimer? stallCheck = null;
        long takenAtLastCheck = -1;
        int checks = 0;
        try
        {
            while (true)
            {
                bool closeSent;
                lock (_lock)
                {
                    closeSent = _engine.CloseSent.HasValue;
                }

                if (closeSent && !_consumerStalled)
                {
                    if (!_incoming.HasConsumer)
                    {
                        _consumerStalled = true; // nobody will ever take it
                    }
                    else if (stallCheck is null)
                    {
                        TimeSpan interval = _options.CloseTimeout / 4;
                        takenAtLastCheck = _incoming.Taken;
                        stallCheck = _options.TimeProvider.CreateTimer(static state => ((Inbound)state!).OnStallCheck(), this, interval, interval);
                    }
                    else if (Volatile.Read(ref _stallChecks) != checks)
                    {
                        // A check interval went by: did the consumer take anything meanwhile?
                        checks = Volatile.Read(ref _stallChecks);
                        long taken = _incoming.Taken;
                        _consumerStalled = taken == takenAtLastCheck;
                        takenAtLastCheck = taken;
                    }
                }

                if (_owner.IsAborted || (closeSent && _consumerStalled))
                {
                    Drop(message);
                    return;
                }

                if (!await _incoming.WaitToWriteAsync().ConfigureAwait(false) || _incoming.TryWrite(message))
                {
                    return;
                }
            }
        }
        finally
        {
            stallCheck?.Dispose();
        }
    }

    /// <summary>The stall check's timer: counts an interval and wakes the read loop to look at the consumer's progress.</summary>
    private void OnStallCheck()
    {
        Interlocked.Increment(ref _stallChecks);
        _incoming.WakeWriter();
    }

    /// <summary>
    /// The message for a received binary payload. A large payload keeps the engine's pooled array
    /// (one copy and no fresh memory for <see cref="WebSocketConnection.ReceivePooledAsync"/>); consumers that keep
    /// messages get their own copy when they take it (<see cref="PooledPayload.Owned"/>). A small one is copied
    /// here: the engine keeps its buffer for the next message.
    /// </summary>
    private Message ReceivedBinary(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length > ProtocolConnection.RetainedBufferSize)
        {
            byte[]? buffer;
            lock (_lock)
            {
                _engine.TryTakeMessageBuffer(out buffer);
            }

            if (buffer is not null)
            {
                return Message.FromBinary(new PooledPayload(buffer, payload.Length).Memory);
            }
        }

        // Not zeroed first: every byte is overwritten at once.
        byte[] copy = GC.AllocateUninitializedArray<byte>(payload.Length);
        payload.Span.CopyTo(copy);
        return Message.FromBinary(copy);
    }
}
