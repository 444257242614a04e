using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// The send side of a connection: every frame it writes goes through here, in the order it was
/// submitted, whoever submits it (<c>SendAsync</c>, the sink, <c>TrySend</c>, broadcasts, pings,
/// closes, and the engine's own pongs and close echoes).
/// </summary>
/// <remarks>
/// <para>
/// One entry decides "write now or queue" (<see cref="Submit"/>), under the connection's lock,
/// which also guards the engine: when nothing is queued and nobody is writing, the submitter
/// writes its frame into the transport on its own thread and flushes (no queue item, no hand-off),
/// if the execution allows it and either the transport's flush only hands bytes to a send loop of
/// its own (sockets) or the submitter waits for its frame anyway (<c>SendAsync</c>; over a stream
/// it then flushes, which is the write itself, after leaving the lock); otherwise the item joins the queue, and a drain
/// started on demand writes queued items in batches, one flush per batch. Whoever writes holds
/// <see cref="_writing"/>, so frames never interleave and never overtake each other. Messages a
/// thread posts inside a burst (<see cref="BeginBurst"/>: the subscriber pump delivering a run) are
/// queued, and the drain runs on that thread when the burst ends.
/// </para>
/// <para>
/// Bytes accepted and not yet written are counted (<see cref="BufferedBytes"/>): broadcasts skip a
/// connection above <see cref="WebSocketOptions.WriteHighWaterMark"/>, the sink fails it above
/// <see cref="WebSocketOptions.SinkBufferLimit"/>, and waiters for room resume at a quarter of the
/// high-water mark. The engine's own frames (one pong per ping, bounded by the engine) are written
/// before anything submitted after them; the read loop waits for them
/// (<see cref="EngineOutputWrittenAsync"/>) when the engine owes the most pongs it keeps, so a peer
/// that pings without reading meets TCP backpressure instead of growing memory.
/// </para>
/// <para>Thread-safe. Every field is guarded by the connection's lock unless its comment says otherwise.</para>
/// </remarks>
internal sealed partial class Outbox
{
    /// <summary>Most bytes written into the transport before a flush, so one huge batch does not hold memory.</summary>
    private const int MaxBatchBytes = 256 * 1024;

    /// <summary>
    /// The largest frame built once for many connections (<see cref="PreparedMessage"/>: broadcasts,
    /// topics) that a submitter sends straight to the socket when nothing else is unsent
    /// (<see cref="ITransport.SendNow"/>): no flush, no hand-off to the transport's send loop, which
    /// is what a fan-out to thousands of connections pays per recipient otherwise. Other messages
    /// go through the output pipe even then: a handler answering a burst of requests sends one
    /// message after another, and the send loop gathers them into one system call (sending each
    /// at once made the pipelined small echo six times as expensive).
    /// </summary>
    private const int MaxSendNowSize = 16 * 1024;

    /// <summary>Where a submitter frames a message it sends straight to the socket; one per thread, used between framing and sending only.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly WebSocketConnection _owner;
    private readonly ProtocolConnection _engine;
    private readonly Lock _lock;
    private readonly ITransport _transport;
    private readonly WebSocketOptions _options;

    /// <summary>Whether the execution lets submitters write on their own thread.</summary>
    private readonly bool _callerWrites;

    /// <summary>
    /// Whether the transport's flush only hands bytes to a send loop of its own (sockets): then any
    /// submitter may write and flush under the lock. Otherwise the flush is the write itself (a
    /// stream), and only a sender that waits for its frame anyway writes it, flushing outside the
    /// lock, instead of handing it to a drain on another thread and waiting for that.
    /// </summary>
    private readonly bool _flushHandsOff;

    /// <summary>Queued items, oldest first, in a ring created with the first item.</summary>
    private OutgoingItem[]? _ring;
    private int _head;
    private int _count;

    /// <summary>Bytes accepted and not yet written; changed with <see cref="Interlocked"/>, read without the lock.</summary>
    private long _bufferedBytes;

    /// <summary>Whether somebody (a submitter writing inline, or the drain) holds the transport's output.</summary>
    private bool _writing;

    /// <summary>Whether the output was half-closed after the closing handshake (server side).</summary>
    private bool _outputClosed;

    /// <summary>Whether the writer has seen the engine send its close frame (and told the connection).</summary>
    private bool _closeSent;

    /// <summary>Set once nothing more will be written: items submitted afterwards fail at once.</summary>
    private bool _ended;

    /// <summary>Whether the server's session holds <see cref="_writing"/> for its 101 response (<see cref="HoldForHandshake"/>).</summary>
    private bool _handshakeHold;

    /// <summary>Completed when the buffered bytes fall to the low-water mark; created by the first waiter.</summary>
    private TaskCompletionSource? _room;

    /// <summary>Completed once the engine's own frames are written; created by the read loop when it waits for them.</summary>
    private TaskCompletionSource? _engineOutputWritten;

    /// <summary>Completed once the outbox is idle (nothing queued, nobody writing); created by <see cref="IdleAsync"/>.</summary>
    private TaskCompletionSource? _idle;

    /// <summary>The drain's batch, reused across batches (touched only by the writer).</summary>
    private List<OutgoingItem>? _batch;

    public Outbox(WebSocketConnection owner, ProtocolConnection engine, Lock engineLock, ITransport transport, WebSocketOptions options)
    {
        _owner = owner;
        _engine = engine;
        _lock = engineLock;
        _transport = transport;
        _options = options;
        _callerWrites = options.Execution.AllowsCallerWrites;
        _flushHandsOff = transport.FlushHandsOff;
    }

    /// <summary>Bytes accepted and not yet written to the transport.</summary>
    public long BufferedBytes => Math.Max(0, Volatile.Read(ref _bufferedBytes));

    /// <summary>
    /// Accepts <paramref name="item"/>: writes it now on this thread when nothing is queued and
    /// nobody writes (and the transport allows it), else queues it behind everything accepted
    /// before. A message is accepted only while the connection is open.
    /// </summary>
    /// <param name="item">What to send.</param>
    /// <param name="awaited">Whether the sender waits until the frame is written: a queued item then gets a completion.</param>
    /// <param name="flush">When written here: the flush to finish with <see cref="EndInlineWrite"/> or <see cref="CompleteInlineWriteAsync"/>.</param>
    /// <param name="written">When queued and <paramref name="awaited"/>: completes once the frame is written, faults if it never will be.</param>
    /// <returns>
    /// <see cref="Submitted.Done"/> (written and flushed), <see cref="Submitted.Written"/> (finish
    /// <paramref name="flush"/>), <see cref="Submitted.Queued"/>,
    /// or <see cref="Submitted.Refused"/>: the connection no longer sends (a message) or has ended (anything).
    /// </returns>
    /// <exception cref="ArgumentException">A text message with a lone surrogate, written here: nothing was sent and the connection goes on.</exception>
    public Submitted Submit(in OutgoingItem item, bool awaited, out ValueTask<FlushResult> flush, out Task? written)
    {
        flush = default;
        written = null;
        bool drain = false;
        Exception? failure = null;
        ArrayBufferWriter<byte>? scratch = null;
        TaskCompletionSource? idleNow = null;
        Submitted submitted = Submitted.Queued;
        // Inside this thread's burst, only a message nobody waits for is left for the burst's end;
        // a sender that waits (SendAsync), a ping or a close is written at once, so that even
        // blocking on it inside OnNext cannot wait for the run it is part of.
        bool inBurst = t_burst == this;
        bool deferrable = inBurst && !awaited && item.Kind == OutgoingKind.Message;
        bool flushOutside = false;
        ReadOnlyMemory<byte> directOutside = default;
        lock (_lock)
        {
            if (_ended || (item.Kind != OutgoingKind.Close && _engine.State != ConnectionState.Open))
            {
                return Submitted.Refused;
            }

            if (_callerWrites && (_flushHandsOff || awaited) && !inBurst && _count == 0 && !_writing && item.Kind != OutgoingKind.Close)
            {
                _writing = true;
                try
                {
                    if (_transport.SendsNow && item.Prepared is not null && item.Size <= MaxSendNowSize)
                    {
                        // One small shared frame: copied here, sent to the socket below, outside the lock.
                        scratch = t_scratch ??= new ArrayBufferWriter<byte>(MaxSendNowSize + FrameHeader.MaxSize);
                        scratch.ResetWrittenCount();
                        WriteItem(item, scratch, out _, queued: false);
                        if (_engine.HasPendingOutput)
                        {
                            _engine.WritePendingOutput(scratch); // a pong owed meanwhile
                        }
                    }
                    else
                    {
                        WriteItem(item, _transport.Output, out ReadOnlyMemory<byte> direct, queued: false);
                        if (direct.IsEmpty && _engine.HasPendingOutput)
                        {
                            _engine.WritePendingOutput(_transport.Output); // a pong owed meanwhile
                        }

                        if (!_flushHandsOff)
                        {
                            // The transport's flush is the write itself: done below, outside the lock.
                            flushOutside = true;
                            directOutside = direct;
                        }
                        else
                        {
                            flush = FlushAsync(_transport.Output, direct);
                            if (flush.IsCompletedSuccessfully && !flush.Result.IsCanceled && !EngineHasWork())
                            {
                                // Handed off at once and nothing else owed (nothing can be queued while
                                // this thread holds the lock): the output is free again without a second lock.
                                _writing = false;
                                idleNow = _idle;
                                _idle = null;
                                submitted = Submitted.Done;
                            }
                            else
                            {
                                return Submitted.Written;
                            }
                        }
                    }
                }
                catch (ArgumentException)
                {
                    _writing = false; // text with a lone surrogate: nothing of it was written
                    throw;
                }
                catch (Exception ex)
                {
                    _writing = false;
                    failure = ex; // the transport went away under the writer
                }
            }
            else if (awaited)
            {
                TaskCompletionSource completion = _options.Execution.NewSignal();
                written = completion.Task;
                Enqueue(item.WithCompletion(completion));
            }
            else
            {
                Enqueue(item);
            }

            bool leaveForBurst = deferrable && BufferedBytes < MaxBatchBytes;
            if (failure is null && !_writing && submitted != Submitted.Done)
            {
                _writing = true;
                if (leaveForBurst)
                {
                    _drainOwed = true; // written when the burst ends, with whatever else it sends
                }
                else
                {
                    drain = true;
                }
            }
            else if (_drainOwed && !leaveForBurst)
            {
                // What may not wait for the burst (see above, and anything from another thread)
                // starts the owed drain now; so does a burst that has queued a batch's worth of bytes.
                _drainOwed = false;
                drain = true;
            }
        }

        if (submitted == Submitted.Done)
        {
            idleNow?.TrySetResult();
            return Submitted.Done;
        }

        if (flushOutside)
        {
            try
            {
                flush = FlushAsync(_transport.Output, directOutside);
            }
            catch (Exception ex)
            {
                ConnectionClosedException closed = _owner.TransportFailed(ex);
                End(closed);
                ReleaseWriter(); // the transport failed under the write: the output is let go here
                throw closed;
            }

            return Submitted.Written;
        }

        if (scratch is not null)
        {
            flush = SendNow(scratch.WrittenSpan, out failure);
            if (failure is null)
            {
                return Submitted.Written;
            }
        }

        if (failure is not null)
        {
            ConnectionClosedException closed = _owner.TransportFailed(failure);
            End(closed);
            if (scratch is not null)
            {
                ReleaseWriter(); // the socket failed under the send: the output is let go here
            }

            throw closed;
        }

        if (drain)
        {
            _ = DrainAsync();
        }

        return Submitted.Queued;
    }

    /// <summary>
    /// Submits an item nobody waits on (sink, <c>TrySend</c>, pings); a write made here finishes
    /// its flush in the background, a failure of which fails the connection.
    /// </summary>
    /// <returns>Whether the item was accepted.</returns>
    public bool Post(in OutgoingItem item)
    {
        switch (Submit(item, awaited: false, out ValueTask<FlushResult> flush, out _))
        {
            case Submitted.Done:
            case Submitted.Queued:
                break;

            case Submitted.Written when flush.IsCompletedSuccessfully && !flush.Result.IsCanceled:
                EndInlineWrite();
                break;

            case Submitted.Written:
                _ = FinishFlushAsync(CompleteInlineWriteAsync(flush));
                break;

            default:
                return false;
        }

        if (item.Kind == OutgoingKind.Message)
        {
            _owner.Metrics.Sent(item.Message);
        }

        return true;
    }

    /// <summary>Makes sure the engine's own frames (a pong, a close echo, a failure's close) get written, and the output half-closed when the engine says so.</summary>
    public void WriteEngineOutput()
    {
        bool drain = false;
        lock (_lock)
        {
            if (!_writing && !_ended && EngineHasWork())
            {
                _writing = drain = true;
            }
        }

        if (drain)
        {
            _ = DrainAsync();
        }
    }

    /// <summary>Stops for good: what is queued fails with <paramref name="error"/>, later submissions are refused, and waiters are released.</summary>
    /// <param name="error">What queued senders are told.</param>
    public void End(Exception error)
    {
        List<OutgoingItem>? left = null;
        TaskCompletionSource? room, written, idle;
        lock (_lock)
        {
            _ended = true;
            while (_count > 0)
            {
                (left ??= []).Add(Dequeue());
            }

            room = _room;
            written = _engineOutputWritten;
            idle = _writing ? null : _idle;
            _room = _engineOutputWritten = null;
            if (idle is not null)
            {
                _idle = null;
            }
        }

        if (left is not null)
        {
            foreach (OutgoingItem item in left)
            {
                Fail(item, error);
            }
        }

        room?.TrySetResult();
        written?.TrySetResult();
        idle?.TrySetResult();
    }

    /// <summary>Whether the engine has frames to write or wants the output half-closed. Called under the lock.</summary>
    private bool EngineHasWork() => _engine.HasPendingOutput || (_engine.ShouldCloseTransport && !_outputClosed) || (!_closeSent && _engine.CloseSent.HasValue);

    /// <summary>Lets go of the output: to the drain if anything is waiting, else idle. Called without the lock.</summary>
    private void ReleaseWriter()
    {
        bool drain = false;
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            Debug.Assert(_writing, "the caller holds the output");
            if (!_ended && (_count > 0 || EngineHasWork()))
            {
                drain = true; // stays held: the drain takes over
            }
            else
            {
                _writing = false;
                idle = _idle;
                _idle = null;
            }
        }

        if (drain)
        {
            _ = DrainAsync();
        }

        idle?.TrySetResult();
    }

    private void Enqueue(in OutgoingItem item)
    {
        if (_ring is null || _count == _ring.Length)
        {
            var grown = new OutgoingItem[_ring is null ? 4 : _ring.Length * 2];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = _ring![(_head + i) % _ring.Length];
            }

            _ring = grown;
            _head = 0;
        }

        item.Pooled?.Retain(); // a pooled received payload stays out of the pool while the item waits
        _ring[(_head + _count) % _ring.Length] = item;
        _count++;
        Interlocked.Add(ref _bufferedBytes, item.Size);
    }

    private OutgoingItem Dequeue()
    {
        OutgoingItem item = _ring![_head];
        _ring[_head] = default;
        _head = (_head + 1) % _ring.Length;
        _count--;
        return item;
    }

    /// <summary>Fails a queued item that will never be written.</summary>
    private void Fail(in OutgoingItem item, Exception error)
    {
        item.Completion?.TrySetException(error);
        item.Pooled?.Release();
        Release(item.Size);
    }
}
