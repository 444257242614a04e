using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Socket I/O driven by one of RxSockets' own <c>epoll</c> threads (<see cref="SocketPoller"/>):
/// non-blocking system calls that return at once, and a wait on the poll thread's signal only when
/// the kernel had nothing (or no room). The loops then resume inline on the poll thread, with no
/// hand-off to the thread pool between the kernel's event and the parser.
/// </summary>
internal sealed class PolledSocketIO : SocketIO
{
    /// <summary>The size of a landing buffer.</summary>
    private const int LandingSize = 16 * 1024;

    /// <summary>
    /// Where a receive lands when the socket was idle: one buffer per thread, so a wake-up that
    /// finds nothing (a stale signal) leaves no pipe segment held by an idle connection.
    /// </summary>
    [ThreadStatic]
    private static byte[]? t_landing;

    private readonly SocketPoller.Registration _registration;

    /// <summary>Wraps a socket already registered with a poll thread (<see cref="SocketPoller.Register"/>).</summary>
    public PolledSocketIO(Socket socket, SocketPoller.Registration registration)
        : base(socket) => _registration = registration;

    /// <summary>The poll thread reported the end of the stream or an error: only another receive sees it (edges do not repeat).</summary>
    public override bool MoreWaiting => _registration.HungUp;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per receive or send: no state-machine box each time
    public override async ValueTask<(int Read, int Asked)> ReceiveAsync(PipeWriter writer, int size, bool expectMore)
    {
        if (expectMore)
        {
            // A large message is streaming in: receive straight into the pipe.
            Span<byte> span = writer.GetSpan(size);
            int direct = ReceiveNow(span);
            if (direct > 0)
            {
                writer.Advance(direct);
            }

            return (direct, span.Length);
        }

        // The last receive drained the socket: wait for the poll thread's signal, then land the
        // bytes in this thread's buffer and copy them to the pipe.
        await _registration.Readable.WaitAsync().ConfigureAwait(false);
        byte[] landing = t_landing ??= new byte[LandingSize];
        int read = ReceiveNow(landing);
        if (read < 0)
        {
            return (_registration.Readable.IsClosed ? 0 : -1, landing.Length); // a signal for bytes an earlier receive already took
        }

        landing.AsSpan(0, read).CopyTo(writer.GetSpan(read));
        writer.Advance(read);
        return (read, landing.Length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per receive or send: no state-machine box each time
    public override async ValueTask<int> SendAsync(IList<ArraySegment<byte>> segments)
    {
        while (true)
        {
            int sent = Socket.Send(segments, SocketFlags.None, out SocketError error);
            if (error != SocketError.WouldBlock)
            {
                ThrowOnError(error);
                return sent;
            }

            await WaitWritableAsync().ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per receive or send: no state-machine box each time
    public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (true)
        {
            int sent = Socket.Send(bytes.Span, SocketFlags.None, out SocketError error);
            if (error != SocketError.WouldBlock)
            {
                ThrowOnError(error);
                return sent;
            }

            await WaitWritableAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A closed socket leaves the epoll set without an event: wake the loops.</summary>
    public override void Close() => _registration.Dispose();

    /// <summary>A receive that never waits: the count, 0 at the end of the stream, or -1 when nothing is there.</summary>
    private int ReceiveNow(Span<byte> buffer)
    {
        int read = Socket.Receive(buffer, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            return -1;
        }

        ThrowOnError(error);
        return read;
    }

    /// <summary>Waits until the poll thread reports room to send; throws once the transport is closing.</summary>
    private async ValueTask WaitWritableAsync()
    {
        ReadinessSignal writable = _registration.Writable;
        ObjectDisposedException.ThrowIf(writable.IsClosed, this);
        await writable.WaitAsync().ConfigureAwait(false);
    }
}
