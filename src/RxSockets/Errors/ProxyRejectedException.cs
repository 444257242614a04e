using System;

namespace RxSockets;

/// <summary>
/// The proxy refused or could not open the tunnel to the server: an HTTP proxy answered
/// <c>CONNECT</c> with a status other than 2xx, or a SOCKS5 proxy replied with an error.
/// </summary>
/// <remarks>
/// Immutable. <see cref="StatusCode"/> is an HTTP status in both cases, so one rule classifies them:
/// a SOCKS5 reply is mapped to the status an HTTP proxy would give (refused or unreachable: 502;
/// TTL expired: 504; not allowed by the rule set: 403; authentication failed: 407; general failure: 500;
/// command or address type not supported: 501). 5xx means the proxy could not reach the server,
/// which may come back (reconnection retries it); 4xx means the proxy refuses this client.
/// </remarks>
public sealed class ProxyRejectedException : HandshakeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="proxy">The proxy, without credentials.</param>
    /// <param name="statusCode">The HTTP status (see the remarks for SOCKS5 replies).</param>
    /// <param name="reason">The proxy's reason phrase, or a description of the SOCKS5 reply.</param>
    public ProxyRejectedException(Uri proxy, int statusCode, string reason)
        : base($"The proxy {proxy?.GetLeftPart(UriPartial.Authority)} refused the tunnel: {statusCode} {reason}.", HandshakeFailure.Proxy)
    {
        Proxy = proxy!; // an exception under construction does not throw
        StatusCode = statusCode;
        Reason = reason ?? string.Empty;
    }

    /// <summary>The proxy, without credentials.</summary>
    public Uri Proxy { get; }

    /// <summary>The proxy's HTTP status, or the status a SOCKS5 reply maps to (for example 407, 502).</summary>
    public int StatusCode { get; }

    /// <summary>The proxy's reason phrase, or what the SOCKS5 reply means.</summary>
    public string Reason { get; }
}
