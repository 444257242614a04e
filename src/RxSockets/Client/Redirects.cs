using System;
using System.Collections.Generic;
using System.Linq;

namespace RxSockets;

/// <summary>
/// Following redirects of the opening handshake (RFC 6455 §4.1 allows a client to follow 3xx
/// answers), with python websockets' rules: 301, 302, 303, 307 and 308 with a <c>Location</c>;
/// the new URI is resolved against the current one; <c>http</c>/<c>https</c> locations are taken
/// as <c>ws</c>/<c>wss</c>; a <c>wss://</c> to <c>ws://</c> downgrade is refused; a redirect to
/// another origin drops the credentials.
/// </summary>
internal static class Redirects
{
    /// <summary>Request headers that carry credentials: never sent to another origin.</summary>
    private static readonly string[] s_credentialHeaders = ["Authorization", "Cookie", "Proxy-Authorization"];

    /// <summary>Whether <paramref name="statusCode"/> is a redirect that can be followed.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <returns>True for 301, 302, 303, 307 and 308.</returns>
    public static bool IsRedirect(int statusCode) => statusCode is 301 or 302 or 303 or 307 or 308;

    /// <summary>Where a redirect from <paramref name="current"/> to <paramref name="location"/> goes.</summary>
    /// <param name="current">The URI that answered with the redirect.</param>
    /// <param name="location">The <c>Location</c> header.</param>
    /// <returns>The ws:// or wss:// URI to connect to, without user info.</returns>
    /// <exception cref="HandshakeException">The location is not a WebSocket URI, or would downgrade wss:// to ws://.</exception>
    public static Uri Resolve(Uri current, string location)
    {
        if (!Uri.TryCreate(current, location, out Uri? next) || !next.IsAbsoluteUri)
        {
            throw new HandshakeException($"The server at {current} redirected to '{location}', which is not a URI.", HandshakeFailure.Redirect);
        }

        string scheme = next.Scheme switch
        {
            "ws" or "http" => "ws",
            "wss" or "https" => "wss",
            _ => throw new HandshakeException($"The server at {current} redirected to {next}, which is not a ws:// or wss:// URI.", HandshakeFailure.Redirect),
        };

        if (current.Scheme == "wss" && scheme == "ws")
        {
            throw new HandshakeException($"The server at {current} redirected to {next}: a redirect from wss:// to ws:// would drop TLS, so it is not followed.", HandshakeFailure.Redirect);
        }

        // "ws" and "http" share port 80, "wss" and "https" 443: keep an explicit port, else the scheme's.
        var builder = new UriBuilder(next) { Scheme = scheme, UserName = string.Empty, Password = string.Empty, Fragment = string.Empty };
        builder.Port = next.IsDefaultPort ? (scheme == "wss" ? 443 : 80) : next.Port;
        return builder.Uri;
    }

    /// <summary>Whether two URIs have the same origin: scheme, host and port.</summary>
    /// <param name="a">One URI.</param>
    /// <param name="b">The other.</param>
    /// <returns>True when the origin is the same.</returns>
    public static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>The headers without the ones that carry credentials.</summary>
    /// <param name="headers">The request's extra headers.</param>
    /// <returns>The remaining headers.</returns>
    public static List<KeyValuePair<string, string>> WithoutCredentials(IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Where(h => !s_credentialHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).ToList();
}
