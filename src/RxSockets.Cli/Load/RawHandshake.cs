using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli.Load;

/// <summary>
/// The client's opening handshake over a raw socket, with RFC 6455's sample key so the expected
/// Sec-WebSocket-Accept is a constant (and the reflector's canned 101 is valid). The load tool
/// measures servers, not itself: nothing here is on the per-message path.
/// </summary>
internal static class RawHandshake
{
    /// <summary>The sample nonce of RFC 6455 §1.3.</summary>
    public const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>SHA-1 of <see cref="Key"/> + the GUID, base64 (RFC 6455 §1.3).</summary>
    public const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and upgrades; returns the socket and any bytes that followed the 101 head.</summary>
    /// <param name="port">The server's port.</param>
    /// <param name="path">The request path.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <param name="receiveBufferSize">A receive buffer to set before connecting (a peer that will not read), or null for the default.</param>
    /// <exception cref="InvalidOperationException">The server did not answer 101 with the right accept key.</exception>
    public static Task<(Socket Socket, byte[] Leftover)> ConnectAsync(int port, string path, CancellationToken cancellationToken, int? receiveBufferSize = null) =>
        ConnectAsync("127.0.0.1", port, path, cancellationToken, receiveBufferSize);

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and upgrades; returns the socket and any bytes that followed the 101 head.</summary>
    /// <param name="host">The server's host name or address (a name is resolved; IPv4 and IPv6 both work).</param>
    /// <param name="port">The server's port.</param>
    /// <param name="path">The request path.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <param name="receiveBufferSize">A receive buffer to set before connecting (a peer that will not read), or null for the default.</param>
    /// <exception cref="InvalidOperationException">The server did not answer 101 with the right accept key.</exception>
    public static async Task<(Socket Socket, byte[] Leftover)> ConnectAsync(string host, int port, string path, CancellationToken cancellationToken, int? receiveBufferSize = null)
    {
        // An address literal keeps its family (the load tool's 127.0.0.1); a name goes through a dual-mode socket.
        EndPoint endPoint = IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        Socket socket = address is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is int size)
        {
            socket.ReceiveBufferSize = size;
        }

        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            string authority = address is { AddressFamily: AddressFamily.InterNetworkV6 } ? $"[{host}]:{port}" : $"{host}:{port}";
            byte[] request = Encoding.ASCII.GetBytes(
                $"GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);

            byte[] buffer = new byte[4096];
            int filled = 0;
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidOperationException("The server closed the connection during the handshake.");
                }

                filled += read;
                int end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    string head = Encoding.ASCII.GetString(buffer, 0, end);
                    if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) || !head.Contains(Accept, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"Not a WebSocket upgrade: {head.Split("\r\n")[0]}");
                    }

                    return (socket, buffer[(end + 4)..filled]);
                }

                if (filled == buffer.Length)
                {
                    throw new InvalidOperationException("The handshake response head is over 4 KiB.");
                }
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
