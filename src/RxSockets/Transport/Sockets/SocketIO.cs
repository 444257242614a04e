using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// How a <see cref="SocketTransport"/> waits for and moves bytes: the only part that differs between
/// I/O modes (Kestrel's split between its connection and its socket receiver and sender). The
/// transport owns the pipes, the loops, half-close and direct sends; an I/O mode owns the system
/// calls and the waiting: <see cref="PortableSocketIO"/> uses the runtime's asynchronous socket
/// calls (every platform), <see cref="PolledSocketIO"/> RxSockets' own <c>epoll</c> threads (Linux).
/// </summary>
/// <remarks>One receiver and one sender at a time, as the transport's two loops guarantee.</remarks>
internal abstract class SocketIO
{
    protected SocketIO(Socket socket) => Socket = socket;

    /// <summary>The connected socket.</summary>
    protected Socket Socket { get; }

    /// <summary>Whether a receive is likely to find more than the last one took without waiting (the end of the stream reported, say).</summary>
    public virtual bool MoreWaiting => false;

    /// <summary>
    /// Receives into <paramref name="writer"/> (advancing it) at most <paramref name="size"/> bytes.
    /// With <paramref name="expectMore"/> false the socket may be idle: the wait holds no buffer
    /// (an idle connection costs no pipe segment).
    /// </summary>
    /// <param name="writer">The input pipe's writer.</param>
    /// <param name="size">The most bytes to receive.</param>
    /// <param name="expectMore">Whether the last receive filled its buffer, so more is probably there.</param>
    /// <returns>
    /// The bytes received and the buffer size asked for (a full buffer suggests more); 0 bytes at
    /// the end of the stream; -1 when nothing was there after all (receive again without expecting more).
    /// </returns>
    public abstract ValueTask<(int Read, int Asked)> ReceiveAsync(PipeWriter writer, int size, bool expectMore);

    /// <summary>Sends some of the gathered segments: at least one byte, as many as the kernel takes.</summary>
    /// <param name="segments">The segments, in order.</param>
    /// <returns>The bytes sent.</returns>
    public abstract ValueTask<int> SendAsync(IList<ArraySegment<byte>> segments);

    /// <summary>Sends some of <paramref name="bytes"/>: at least one byte.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The bytes sent.</returns>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>Sends what the kernel takes of <paramref name="bytes"/> right now, without waiting.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The bytes sent; 0 when the kernel has no room.</returns>
    public int SendNow(ReadOnlySpan<byte> bytes)
    {
        int sent = Socket.Send(bytes, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            return 0;
        }

        ThrowOnError(error);
        return sent;
    }

    /// <summary>Ends the mode's waits for good (the socket is closed or will be): waiting loops wake and see the end.</summary>
    public virtual void Close()
    {
    }

    protected static void ThrowOnError(SocketError error)
    {
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
    }
}
