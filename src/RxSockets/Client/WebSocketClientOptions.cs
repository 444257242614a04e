using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Security;

namespace RxSockets;

/// <summary>Settings of a client connection, in addition to the per-connection <see cref="WebSocketOptions"/>.</summary>
/// <remarks>Set before connecting; an instance may be reused for many connections.</remarks>
public sealed class WebSocketClientOptions : WebSocketOptions
{
    /// <summary>The <c>Origin</c> header to send, or <see langword="null"/> for none.</summary>
    public string? Origin { get; set; }

    /// <summary>Subprotocols to offer, in order of preference.</summary>
    public IReadOnlyList<string> Subprotocols { get; set; } = [];

    /// <summary>Extra request headers (for example <c>Authorization</c>); handshake headers cannot be overridden.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; set; } = [];

    /// <summary>The <c>User-Agent</c> header; <see langword="null"/> to send none. Default "RxSockets".</summary>
    public string? UserAgent { get; set; } = "RxSockets";

    /// <summary>
    /// TLS settings for <c>wss://</c>: a <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>,
    /// client certificates, protocols. <see cref="SslClientAuthenticationOptions.TargetHost"/> (SNI and
    /// name validation) defaults to the URI's host. <see langword="null"/> for the system's normal validation.
    /// </summary>
    public SslClientAuthenticationOptions? Tls { get; set; }

    /// <summary>
    /// The proxy to connect through: an <c>http://</c> proxy (HTTP <c>CONNECT</c>, also for
    /// <c>wss://</c>, whose TLS then runs inside the tunnel) or a <c>socks5://</c> /
    /// <c>socks5h://</c> proxy (<c>socks5h</c> lets the proxy resolve the host name). For example
    /// <c>new WebProxy("http://proxy.example:3128") { Credentials = new NetworkCredential("ada", "secret") }</c>;
    /// credentials go to the proxy with Basic authentication (HTTP) or username/password
    /// authentication (SOCKS5), and may also be in the proxy URI (<c>http://ada:secret@proxy:3128</c>).
    /// <see cref="IWebProxy.IsBypassed"/> is honoured. <see langword="null"/> (the default) reads the
    /// environment at each connection as curl and python websockets do: <c>https_proxy</c> for
    /// <c>wss://</c>, <c>http_proxy</c> for <c>ws://</c>, then <c>all_proxy</c> (lower case first,
    /// then upper case; <c>HTTP_PROXY</c> is ignored when <c>REQUEST_METHOD</c> is set, as in a CGI
    /// script), except for hosts in <c>no_proxy</c> (comma-separated host names, domain suffixes such
    /// as <c>.example.com</c>, IP addresses, optional <c>:port</c>, or <c>*</c> for every host).
    /// </summary>
    public IWebProxy? Proxy { get; set; }

    /// <summary>
    /// Whether to use a proxy at all: <see langword="false"/> always connects directly, ignoring
    /// <see cref="Proxy"/> and the environment. Default <see langword="true"/>.
    /// </summary>
    public bool UseProxy { get; set; } = true;

    /// <summary>
    /// How many redirects (301, 302, 303, 307, 308 with a <c>Location</c>) of the opening handshake
    /// to follow; 0 turns following off, so a redirect fails as a <see cref="HandshakeRejectedException"/>.
    /// Default 10, as python websockets. A redirect from <c>wss://</c> to <c>ws://</c> is refused; one
    /// to another origin (scheme, host or port) drops <c>Authorization</c>, <c>Cookie</c> and
    /// <c>Proxy-Authorization</c> from <see cref="Headers"/> and the URI's user info. Every redirect
    /// counts against the one <see cref="WebSocketOptions.OpenTimeout"/>.
    /// </summary>
    public int MaxRedirects { get; set; } = 10;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentNullException.ThrowIfNull(Subprotocols);
        ArgumentNullException.ThrowIfNull(Headers);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedirects);
    }
}
