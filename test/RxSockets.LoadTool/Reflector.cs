using System;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Cli.Load;

namespace RxSockets.LoadTool;

/// <summary>
/// A raw TCP reflector, the physical limit of an echo server: it answers the handshake with a
/// canned 101 (valid for the load tool's fixed key) and then returns every byte as it came, masked
/// frames and all, doing no WebSocket work. An idle connection holds no buffer: it waits with a
/// zero-byte receive and rents one only when data is there (Kestrel's trick).
/// </summary>
public static class Reflector
{
    private const int BufferSize = 64 * 1024;

    private static readonly byte[] s_response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Accept: {RawHandshake.Accept}\r\n\r\n");

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> until cancelled; calls <paramref name="listening"/> with the port.</summary>
    public static async Task RunAsync(int port, Action<int> listening, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listening);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(512);
        listening(((IPEndPoint)listener.LocalEndPoint!).Port);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket, cancellationToken), CancellationToken.None);
        }
    }

    private static async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            socket.NoDelay = true;
            try
            {
                if (!await HandshakeAsync(socket, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                while (true)
                {
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    try
                    {
                        int read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            return;
                        }

                        int sent = 0;
                        while (sent < read)
                        {
                            sent += await socket.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, or we are stopping.
            }
        }
    }

    /// <summary>Reads the request head (any request; no parsing) and sends the canned 101.</summary>
    private static async Task<bool> HandshakeAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] head = new byte[4096];
        int filled = 0;
        while (head.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) < 0)
        {
            if (filled == head.Length)
            {
                return false;
            }

            int read = await socket.ReceiveAsync(head.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        await socket.SendAsync(s_response, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
