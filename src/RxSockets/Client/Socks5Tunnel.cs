using System;
using System.Buffers.Binary;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Opens a tunnel through a SOCKS5 proxy (RFC 1928), with username/password authentication
/// (RFC 1929) when there are credentials. With <see cref="ProxyKind.Socks5RemoteDns"/> the proxy
/// resolves the host name; with <see cref="ProxyKind.Socks5"/> it is resolved here and the proxy
/// gets an address.
/// </summary>
/// <remarks>
/// Messages, as bytes (RFC 1928 §3–§6, RFC 1929 §2):
/// <code>
/// greeting   VER=5 NMETHODS METHODS...          reply VER=5 METHOD (0 none, 2 user/pass, FF none acceptable)
/// auth       VER=1 ULEN UNAME PLEN PASSWD       reply VER=1 STATUS (0 success)
/// request    VER=5 CMD=1 RSV=0 ATYP DST.ADDR DST.PORT
/// reply      VER=5 REP RSV ATYP BND.ADDR BND.PORT   (ATYP 1: 4 bytes, 3: length + name, 4: 16 bytes)
/// </code>
/// </remarks>
internal static class Socks5Tunnel
{
    /// <summary>Negotiates the tunnel to <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="stream">The connection to the proxy.</param>
    /// <param name="proxy">The proxy (for messages).</param>
    /// <param name="host">The target host name or address.</param>
    /// <param name="port">The target port.</param>
    /// <param name="remoteDns">Whether the proxy resolves the host name.</param>
    /// <param name="credentials">Credentials, if any.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task that completes when the tunnel is open.</returns>
    /// <exception cref="ProxyRejectedException">The proxy refused (authentication, rule set, or the target could not be reached).</exception>
    /// <exception cref="HandshakeException">The proxy did not speak SOCKS5.</exception>
    public static async Task EstablishAsync(Stream stream, Uri proxy, string host, int port, bool remoteDns, NetworkCredential? credentials, CancellationToken cancellationToken)
    {
        byte[] greeting = credentials is null ? [5, 1, 0] : [5, 2, 0, 2];
        await stream.WriteAsync(greeting, cancellationToken).ConfigureAwait(false);
        byte[] choice = await ReadExactlyAsync(stream, proxy, 2, cancellationToken).ConfigureAwait(false);
        if (choice[0] != 5)
        {
            throw NotSocks(proxy);
        }

        if (choice[1] == 2 && credentials is not null)
        {
            await AuthenticateAsync(stream, proxy, credentials, cancellationToken).ConfigureAwait(false);
        }
        else if (choice[1] != 0)
        {
            throw new ProxyRejectedException(proxy, 407, credentials is null ? "the SOCKS5 proxy requires authentication" : "the SOCKS5 proxy accepts none of the offered authentication methods");
        }

        byte[] request = await CreateRequestAsync(host, port, remoteDns, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        byte[] reply = await ReadExactlyAsync(stream, proxy, 4, cancellationToken).ConfigureAwait(false);
        if (reply[0] != 5)
        {
            throw NotSocks(proxy);
        }

        if (reply[1] != 0)
        {
            (int status, string reason) = Describe(reply[1]);
            throw new ProxyRejectedException(proxy, status, reason);
        }

        int boundLength = reply[3] switch
        {
            1 => 4,
            4 => 16,
            3 => (await ReadExactlyAsync(stream, proxy, 1, cancellationToken).ConfigureAwait(false))[0],
            _ => throw NotSocks(proxy),
        };
        await ReadExactlyAsync(stream, proxy, boundLength + 2, cancellationToken).ConfigureAwait(false); // BND.ADDR and BND.PORT: not needed
    }

    private static async Task AuthenticateAsync(Stream stream, Uri proxy, NetworkCredential credentials, CancellationToken cancellationToken)
    {
        byte[] user = Encoding.UTF8.GetBytes(credentials.UserName);
        byte[] password = Encoding.UTF8.GetBytes(credentials.Password);
        if (user.Length is 0 or > 255 || password.Length > 255)
        {
            throw new HandshakeException($"SOCKS5 user names are 1 to 255 bytes and passwords at most 255 (proxy {proxy.Authority}).", HandshakeFailure.Proxy);
        }

        byte[] message = new byte[3 + user.Length + password.Length];
        message[0] = 1;
        message[1] = (byte)user.Length;
        user.CopyTo(message, 2);
        message[2 + user.Length] = (byte)password.Length;
        password.CopyTo(message, 3 + user.Length);
        await stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        byte[] status = await ReadExactlyAsync(stream, proxy, 2, cancellationToken).ConfigureAwait(false);
        if (status[1] != 0)
        {
            throw new ProxyRejectedException(proxy, 407, "the SOCKS5 proxy rejected the user name or password");
        }
    }

    private static async Task<byte[]> CreateRequestAsync(string host, int port, bool remoteDns, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(host, out IPAddress? address) && !remoteDns)
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            address = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
        }

        byte[] destination;
        byte type;
        if (address is null)
        {
            byte[] name = Encoding.ASCII.GetBytes(host);
            if (name.Length > 255)
            {
                throw new HandshakeException($"The host name '{host}' is too long for SOCKS5 (255 bytes at most).", HandshakeFailure.Proxy);
            }

            destination = [(byte)name.Length, .. name];
            type = 3;
        }
        else
        {
            destination = address.GetAddressBytes();
            type = address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)4 : (byte)1;
        }

        byte[] request = new byte[4 + destination.Length + 2];
        request[0] = 5;
        request[1] = 1; // CONNECT
        request[3] = type;
        destination.CopyTo(request, 4);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4 + destination.Length), (ushort)port);
        return request;
    }

    /// <summary>A SOCKS5 reply code as the HTTP status an HTTP proxy would answer, and what it means (RFC 1928 §6).</summary>
    private static (int Status, string Reason) Describe(byte reply) => reply switch
    {
        1 => (500, "general SOCKS server failure"),
        2 => (403, "connection not allowed by the proxy's rule set"),
        3 => (502, "network unreachable"),
        4 => (502, "host unreachable"),
        5 => (502, "connection refused by the server"),
        6 => (504, "TTL expired"),
        7 => (501, "command not supported"),
        8 => (501, "address type not supported"),
        _ => (500, $"unknown SOCKS5 reply {reply}"),
    };

    private static HandshakeException NotSocks(Uri proxy) =>
        new($"The proxy {proxy.Authority} did not answer as a SOCKS5 proxy.", HandshakeFailure.Proxy);

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, Uri proxy, int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new HandshakeException($"The SOCKS5 proxy {proxy.Authority} closed the connection during negotiation.", HandshakeFailure.Proxy, ex);
        }

        return buffer;
    }
}
