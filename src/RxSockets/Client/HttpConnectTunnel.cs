using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Opens a tunnel through an HTTP proxy (RFC 9110 §9.3.6): sends <c>CONNECT host:port</c>, with
/// Basic <c>Proxy-Authorization</c> when there are credentials, and reads the proxy's answer head.
/// A 2xx answer turns the connection into a byte tunnel to the server; anything else is a
/// <see cref="ProxyRejectedException"/>.
/// </summary>
/// <remarks>
/// The answer is read one byte at a time up to its empty line: after it, the bytes belong to the
/// server (in practice none arrive before the client speaks, but nothing may be read past the head).
/// A few dozen one-byte reads, once per connection.
/// </remarks>
internal static class HttpConnectTunnel
{
    /// <summary>Sends CONNECT and reads the answer.</summary>
    /// <param name="stream">The connection to the proxy.</param>
    /// <param name="proxy">The proxy (for messages).</param>
    /// <param name="authority">The target as <c>host:port</c> (IPv6 in brackets).</param>
    /// <param name="credentials">Credentials for the proxy, if any.</param>
    /// <param name="userAgent">The User-Agent to send, if any.</param>
    /// <param name="limits">Limits on the answer's head.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task that completes when the tunnel is open.</returns>
    /// <exception cref="ProxyRejectedException">The proxy answered with another status than 2xx.</exception>
    /// <exception cref="HandshakeException">The answer was not HTTP.</exception>
    public static async Task EstablishAsync(Stream stream, Uri proxy, string authority, NetworkCredential? credentials, string? userAgent, ProtocolLimits limits, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        request.Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(authority).Append("\r\n");
        if (credentials is not null)
        {
            request.Append("Proxy-Authorization: ")
                .Append(BasicAuthentication.HeaderValue(credentials.UserName, credentials.Password))
                .Append("\r\n");
        }

        if (userAgent is not null)
        {
            request.Append("User-Agent: ").Append(userAgent).Append("\r\n");
        }

        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        HandshakeResponse response = await ReadHeadAsync(stream, proxy, limits, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is < 200 or > 299)
        {
            throw new ProxyRejectedException(proxy, response.StatusCode, response.ReasonPhrase);
        }
    }

    private static async Task<HandshakeResponse> ReadHeadAsync(Stream stream, Uri proxy, ProtocolLimits limits, CancellationToken cancellationToken)
    {
        var parser = new HttpMessageParser(limits);
        var head = new ArrayBufferWriter<byte>(256);
        byte[] one = new byte[1];
        while (true)
        {
            int read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new HandshakeException($"The proxy {proxy.Authority} closed the connection before answering CONNECT.", HandshakeFailure.Proxy);
            }

            head.Write(one);
            var input = new ReadOnlySequence<byte>(head.WrittenMemory);

            // The parser remembers how far it got and reports over-long lines before their end, so
            // feeding it the whole head after each byte costs linear time and bounded memory.
            HttpParseResult parsed = parser.ParseResponse(input, out _, out _, out HandshakeResponse? response, out HttpParseError error);
            if (parsed == HttpParseResult.Done)
            {
                return response!;
            }

            if (parsed == HttpParseResult.Error)
            {
                throw new HandshakeException($"The proxy {proxy.Authority} did not answer CONNECT with valid HTTP: {error.Reason}", HandshakeFailure.Proxy);
            }
        }
    }
}
