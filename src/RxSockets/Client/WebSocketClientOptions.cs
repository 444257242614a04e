using System;
using System.Collections.Generic;
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

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentNullException.ThrowIfNull(Subprotocols);
        ArgumentNullException.ThrowIfNull(Headers);
    }
}
