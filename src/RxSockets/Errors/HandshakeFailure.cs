namespace RxSockets;

/// <summary>
/// Why an opening handshake failed: the class of a <see cref="HandshakeException"/>. Reconnection
/// (<see cref="ReconnectOptions.IsRetryable"/>) retries <see cref="Network"/>, <see cref="Timeout"/>
/// and <see cref="ServerClosed"/>, and decides on <see cref="Rejected"/> and <see cref="Proxy"/> by
/// their status codes; the others are fatal: trying again with the same settings fails the same way.
/// </summary>
public enum HandshakeFailure
{
    /// <summary>The answer was not a valid WebSocket upgrade (malformed HTTP, a wrong <c>Sec-WebSocket-Accept</c>, an extension or subprotocol that was not offered).</summary>
    InvalidResponse = 0,

    /// <summary>The server answered with an HTTP status other than 101: a <see cref="HandshakeRejectedException"/> carries it.</summary>
    Rejected = 1,

    /// <summary>The TCP connection could not be made or broke: refused, reset, unreachable, or the host name did not resolve.</summary>
    Network = 2,

    /// <summary>The handshake did not finish within <see cref="WebSocketOptions.OpenTimeout"/>.</summary>
    Timeout = 3,

    /// <summary>The server closed the connection before it answered (a server shutting down or restarting does this).</summary>
    ServerClosed = 4,

    /// <summary>The server's certificate was rejected; the message names the problem (untrusted, expired, another host's).</summary>
    Certificate = 5,

    /// <summary>TLS could not be negotiated (no common protocol version, or the server does not speak TLS on that port).</summary>
    Tls = 6,

    /// <summary>The proxy refused or could not open the tunnel: a <see cref="ProxyRejectedException"/> carries its answer.</summary>
    Proxy = 7,

    /// <summary>A redirect could not be followed: too many, from <c>wss://</c> to <c>ws://</c>, or a <c>Location</c> that is not a WebSocket URI.</summary>
    Redirect = 8,
}
