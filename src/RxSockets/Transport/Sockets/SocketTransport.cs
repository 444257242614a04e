using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A transport straight over a TCP <see cref="Socket"/>, in Kestrel's shape: a receive loop fills
/// the input pipe and a send loop drains the output pipe; how they wait for the socket is the
/// <see cref="SocketIO"/> mode's business (the runtime's asynchronous calls, or RxSockets' own
/// <c>epoll</c> threads on Linux).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Idle connections hold no buffer: the receive loop waits for data without one (a
/// zero-byte receive, or the poll thread's signal) and fills a segment only once bytes are there.</item>
/// <item>The connection's reader runs inline on the receive loop (no thread hop between the
/// socket and the engine); it is the runtime's own read loop, which never runs user code.</item>
/// <item>Flushing the output pipe hands bytes to the send loop, which runs on the thread pool:
/// frames flushed while a send is in progress go out together in one gathered send, so many
/// small messages cost one system call. The pipe is bounded (<see cref="PauseWriterThreshold"/>),
/// so a peer that does not read makes <c>FlushAsync</c> wait: backpressure reaches the sender.</item>
/// </list>
/// Thread safety: one reader of <see cref="Input"/> and one writer of <see cref="Output"/> at a time
/// (the connection's outbox serializes its writers); <see cref="Abort"/> may be called from anywhere.
/// </remarks>
internal sealed class SocketTransport : ITransport
{
    /// <summary>The pipes' segment size, and the first receive's size after an idle wait.</summary>
    private const int SegmentSize = 16 * 1024;

    /// <summary>
    /// The largest single receive. While receives keep filling their buffer (a large message is
    /// streaming in), each asks for twice as much, up to this: a 1 MiB message takes a handful of
    /// system calls instead of 64. The buffer is held only while data flows.
    /// </summary>
    private const int MaxReceiveSize = 256 * 1024;

    /// <summary>Unsent bytes after which <c>FlushAsync</c> waits (Kestrel's default is 1 MiB; 64 KiB bounds memory per connection).</summary>
    private const int PauseWriterThreshold = 64 * 1024;

    /// <summary>Most segments gathered into one send.</summary>
    private const int MaxGather = 64;

    /// <summary>How long disposal lets each loop finish what is in flight before closing the socket under it.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(1);

    /// <summary>The input pipe's options, shared by every connection (an options object per pipe is 72 bytes per idle connection).</summary>
    private static readonly PipeOptions InputOptions = new(
        minimumSegmentSize: SegmentSize,
        pauseWriterThreshold: PauseWriterThreshold,
        resumeWriterThreshold: PauseWriterThreshold / 2,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.ThreadPool,
        useSynchronizationContext: false);

    /// <summary>The output pipe's options, shared by every connection.</summary>
    private static readonly PipeOptions OutputOptions = new(
        minimumSegmentSize: SegmentSize,
        pauseWriterThreshold: PauseWriterThreshold,
        resumeWriterThreshold: PauseWriterThreshold / 2,
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.ThreadPool,
        useSynchronizationContext: false);

    private readonly Socket _socket;
    private readonly SocketIO _io;
    private readonly TimeProvider _time;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Task _receiving;
    private readonly Task _sending;

    /// <summary>A payload waiting to be sent straight from its owner's memory (<see cref="SendDirectAsync"/>); taken by the send loop.</summary>
    private DirectPayload? _direct;

    /// <summary>Set when the send loop has ended: a direct send requested after that fails at once.</summary>
    private volatile bool _sendLoopEnded;

    /// <summary>Completed once the send loop shut down the sending side after <see cref="CloseOutputAsync"/>.</summary>
    private readonly TaskCompletionSource _outputShutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set by <see cref="CloseOutputAsync"/>: once what is flushed is sent, the send loop shuts the socket's sending side.</summary>
    private volatile bool _closeOutput;

    private int _disposed;

    /// <summary>
    /// Bytes flushed into the output pipe and not yet handed to the kernel by the send loop: the
    /// writer adds at each flush, the send loop subtracts after each send. While it is 0 a sender
    /// may write straight to the socket (<see cref="SendNow"/>) without overtaking anything.
    /// </summary>
    private long _unsent;

    /// <summary>The segments of a gathered send; created at the first one (1 KiB that an idle connection, which only ever sent its 101, never needs).</summary>
    private List<ArraySegment<byte>>? _gather;

    /// <summary>Starts the loops over a connected socket.</summary>
    /// <param name="socket">The socket; the transport owns it from now on.</param>
    /// <param name="poller">
    /// The poll thread to register the socket with (<see cref="SocketPoller.Next"/>), or null for
    /// the runtime's asynchronous socket calls (also used when the registration is refused).
    /// </param>
    /// <param name="time">The clock disposal's bounded waits run on.</param>
    public SocketTransport(Socket socket, SocketPoller? poller, TimeProvider time)
    {
        _socket = socket;
        _time = time;
        socket.NoDelay = true;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _input = new Pipe(InputOptions);
        _output = new Pipe(OutputOptions);
        Output = new CountingWriter(this, _output.Writer);
        _io = poller?.Register(socket) is { } registration ? new PolledSocketIO(socket, registration) : new PortableSocketIO(socket);
        _receiving = ReceiveLoopAsync(); // both loops move to the thread pool first (ThreadPoolSwitch)
        _sending = SendLoopAsync();
    }

    /// <summary>Whether the socket is driven by a poll thread (for tests and diagnostics).</summary>
    internal bool IsPolled => _io is PolledSocketIO;

    public PipeReader Input => _input.Reader;

    public PipeWriter Output { get; }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>A flush hands the bytes to the send loop through a bounded pipe.</summary>
    public bool FlushHandsOff => true;

    public bool SendsDirect => true;

    public bool SendsNow => true;

    /// <summary>
    /// Sends <paramref name="bytes"/> to the socket from the caller's thread, without waiting,
    /// when everything flushed before has already gone to the kernel: what a writer with one
    /// small frame does instead of a flush, saving the hand-off to the send loop.
    /// </summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>How many bytes the kernel took (0 when something is still unsent, the kernel has no room, or the output is closing); write the rest to <see cref="Output"/>.</returns>
    public int SendNow(ReadOnlySpan<byte> bytes)
    {
        if (Volatile.Read(ref _unsent) != 0 || _closeOutput || _sendLoopEnded || Volatile.Read(ref _direct) is not null)
        {
            return 0;
        }

        return _io.SendNow(bytes);
    }

    public ValueTask CloseOutputAsync()
    {
        _closeOutput = true;
        _output.Reader.CancelPendingRead(); // wakes the send loop if it waits for data
        return new ValueTask(_outputShutdown.Task);
    }

    /// <summary>
    /// Sends <paramref name="payload"/> straight from the caller's memory, after every byte flushed
    /// to <see cref="Output"/> before this call: the zero-copy path for large server payloads,
    /// whose frame header the caller has just written and flushed. The caller must keep
    /// every other writer out, and leave the memory unchanged, until the task completes.
    /// </summary>
    /// <param name="payload">The bytes to send.</param>
    /// <returns>A task that completes once the kernel has taken every byte; it faults if the connection fails first.</returns>
    public Task SendDirectAsync(ReadOnlyMemory<byte> payload)
    {
        var direct = new DirectPayload(payload);
        if (Interlocked.CompareExchange(ref _direct, direct, null) is not null)
        {
            throw new InvalidOperationException("A direct send is already in progress: the caller must keep other writers out.");
        }

        if (_sendLoopEnded)
        {
            FailDirectSend(); // the loop that would send it is gone
        }

        _output.Reader.CancelPendingRead(); // wakes the send loop if it waits for data
        return direct.Done.Task;
    }

    /// <summary>Fails a pending direct send, if any: the connection can no longer send it.</summary>
    /// <param name="aborted">Whether <see cref="Abort"/> is the reason (the sender sees a cancellation, as a flush would).</param>
    private void FailDirectSend(bool aborted = false)
    {
        if (Interlocked.Exchange(ref _direct, null) is { } direct)
        {
            direct.Done.TrySetException(aborted
                ? new OperationCanceledException("The connection's transport was aborted before the payload was sent.")
                : new ObjectDisposedException(nameof(SocketTransport), "The connection's transport closed before the payload was sent."));
        }
    }

    public void Abort()
    {
        try
        {
            _socket.Close(0); // linger 0: RST, so a dead peer cannot hold the port in FIN_WAIT
        }
        catch (ObjectDisposedException)
        {
        }

        _io.Close();
        _outputShutdown.TrySetResult();
        FailDirectSend(aborted: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);

        // What is flushed goes out unless the peer stopped reading. Then shut both directions down
        // before closing, so the pending zero-byte receive returns: closing a socket with an
        // operation still pending resets the connection (RST) instead of closing it (FIN).
        await WithinAsync(_sending).ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or aborted.
        }

        _io.Close(); // the loops' next calls see the shutdown
        await WithinAsync(_receiving).ConfigureAwait(false);
        _socket.Dispose();
        await Task.WhenAll(_receiving, _sending).ConfigureAwait(false);
        _outputShutdown.TrySetResult();
    }

    /// <summary>Waits for <paramref name="task"/>, at most <see cref="s_drainLimit"/> on the transport's clock; never throws.</summary>
    private async Task WithinAsync(Task task)
    {
        if (!task.IsCompleted)
        {
            await Task.WhenAny(task, Task.Delay(s_drainLimit, _time)).ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        await ThreadPoolSwitch.Yield();
        PipeWriter writer = _input.Writer;
        Exception? error = null;
        bool full = false;
        int size = SegmentSize;
        try
        {
            while (true)
            {
                (int read, int asked) = await _io.ReceiveAsync(writer, size, expectMore: full).ConfigureAwait(false);
                if (read < 0)
                {
                    full = false; // nothing there after all: wait for the next readiness
                    continue;
                }

                if (read == 0)
                {
                    break;
                }

                // A full buffer means more is probably waiting: skip the wait. So does a hang-up
                // reported with this data: only another receive sees the end.
                full = read == asked || _io.MoreWaiting;
                size = full ? Math.Min(size * 2, MaxReceiveSize) : SegmentSize;
                FlushResult result = await writer.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = Volatile.Read(ref _disposed) != 0 ? null : ex;
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        await ThreadPoolSwitch.Yield();
        PipeReader reader = _output.Reader;
        Exception? error = null;
        bool shutDown = false;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (shutDown)
                {
                    reader.AdvanceTo(buffer.End); // written after the half-close: nobody can receive it
                }
                else
                {
                    if (!buffer.IsEmpty)
                    {
                        await SendAsync(buffer).ConfigureAwait(false);
                        Interlocked.Add(ref _unsent, -buffer.Length);
                    }

                    reader.AdvanceTo(buffer.End);
                    if (Volatile.Read(ref _direct) is { } direct)
                    {
                        // The header was flushed before the request: send what is still in the
                        // pipe, then the payload from its owner's memory.
                        await SendFlushedAsync(reader).ConfigureAwait(false);
                        await SendAllAsync(direct.Payload).ConfigureAwait(false);

                        Interlocked.CompareExchange(ref _direct, null, direct);
                        direct.Done.TrySetResult();
                    }

                    if (_closeOutput)
                    {
                        // Everything flushed before CloseOutputAsync (the close frame) goes out
                        // first, even if it arrived after the buffer just sent was read.
                        await SendFlushedAsync(reader).ConfigureAwait(false);
                        shutDown = true;
                        ShutdownSend();
                        _outputShutdown.TrySetResult();
                    }
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = ex;
        }
        finally
        {
            _sendLoopEnded = true;
            FailDirectSend();
            _outputShutdown.TrySetResult();
        }

        await reader.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>Sends whatever is flushed into the output pipe and not yet read, without waiting for more.</summary>
    private async ValueTask SendFlushedAsync(PipeReader reader)
    {
        while (reader.TryRead(out ReadResult more))
        {
            ReadOnlySequence<byte> buffer = more.Buffer;
            if (!buffer.IsEmpty)
            {
                await SendAsync(buffer).ConfigureAwait(false);
                Interlocked.Add(ref _unsent, -buffer.Length);
            }

            reader.AdvanceTo(buffer.End);
            if (buffer.IsEmpty || more.IsCompleted)
            {
                return;
            }
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await SendAllAsync(buffer.First).ConfigureAwait(false);
            return;
        }

        // Gathered sends: one system call for many segments (Kestrel's SocketSender does the same).
        // The kernel may take only part (its send buffer is full): gather again from where it stopped.
        List<ArraySegment<byte>> gather = _gather ??= new List<ArraySegment<byte>>(MaxGather);
        while (!buffer.IsEmpty)
        {
            gather.Clear();
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                if (!MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array))
                {
                    throw new InvalidOperationException("The pipe's memory is not array-backed.");
                }

                gather.Add(array);
                if (gather.Count == MaxGather)
                {
                    break;
                }
            }

            int sent = await _io.SendAsync(gather).ConfigureAwait(false);
            buffer = buffer.Slice(sent);
        }
    }

    /// <summary>Sends every byte of <paramref name="memory"/>, however many calls the kernel needs.</summary>
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> memory)
    {
        while (!memory.IsEmpty)
        {
            int sent = await _io.SendAsync(memory).ConfigureAwait(false);
            memory = memory[sent..];
        }
    }

    private void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by us: nothing left to shut down.
        }
    }

    /// <summary>The output pipe's writer, counting what each flush hands to the send loop (<see cref="_unsent"/>).</summary>
    private sealed class CountingWriter(SocketTransport owner, PipeWriter inner) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            long flushed = inner.UnflushedBytes;
            if (flushed != 0)
            {
                Interlocked.Add(ref owner._unsent, flushed);
            }

            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }

    /// <summary>A payload for <see cref="SendDirectAsync"/> and the task its sender waits on.</summary>
    private sealed class DirectPayload(ReadOnlyMemory<byte> payload)
    {
        public ReadOnlyMemory<byte> Payload { get; } = payload;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
