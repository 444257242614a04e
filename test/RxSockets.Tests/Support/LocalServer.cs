using System;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>Options for tests that run a real server on 127.0.0.1 with messages of several MiB.</summary>
internal static class LocalServer
{
    /// <summary>How long a socket test waits for something that must happen (a generous bound, not a timing assumption).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Message and frame limits of 8 MiB, for both ends.</summary>
    public static readonly ProtocolLimits LargeLimits = new() { MaxMessageSize = 8 * 1024 * 1024, MaxFrameSize = 8 * 1024 * 1024 };

    /// <summary>A server on 127.0.0.1, a free port, <see cref="LargeLimits"/>.</summary>
    public static WebSocketServerOptions Options(PerMessageDeflateOptions? compression = null) =>
        new() { Host = "127.0.0.1", Port = 0, Limits = LargeLimits, Compression = compression };

    /// <summary>A client with <see cref="LargeLimits"/>.</summary>
    public static WebSocketClientOptions ClientOptions(PerMessageDeflateOptions? compression = null, int maxQueue = 16) =>
        new() { Limits = LargeLimits, Compression = compression, MaxQueue = maxQueue };
}
