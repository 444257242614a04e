using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Socket I/O through the runtime's asynchronous socket calls: every platform, TLS excepted (that
/// runs over a stream). Their completions are handed to the thread pool by the runtime.
/// </summary>
internal sealed class PortableSocketIO : SocketIO
{
    /// <summary>
    /// Wraps a connected socket and makes its synchronous calls non-blocking (for
    /// <see cref="SocketIO.SendNow"/>); the asynchronous calls the loops make are unaffected.
    /// </summary>
    public PortableSocketIO(Socket socket)
        : base(socket) => socket.Blocking = false;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per receive or send: no state-machine box each time
    public override async ValueTask<(int Read, int Asked)> ReceiveAsync(PipeWriter writer, int size, bool expectMore)
    {
        if (!expectMore)
        {
            // Wait for data without holding a buffer: an idle connection costs no segment.
            await Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
        }

        Memory<byte> memory = writer.GetMemory(size);
        int read = await Socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
        writer.Advance(read);
        return (read, memory.Length);
    }

    public override ValueTask<int> SendAsync(IList<ArraySegment<byte>> segments) =>
        new(Socket.SendAsync(segments, SocketFlags.None));

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) =>
        Socket.SendAsync(bytes, SocketFlags.None);
}
