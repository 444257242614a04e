using System;
using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>
/// Copies of the caller's options for virtual connections: the clock becomes the scheduler's and
/// everything runs inline, without touching the caller's objects. Server and client settings are
/// kept when the options given are <see cref="WebSocketServerOptions"/> or <see cref="WebSocketClientOptions"/>.
/// </summary>
internal static class VirtualOptions
{
    /// <summary>Server settings from <paramref name="options"/> (any <see cref="WebSocketOptions"/>; server fields only from a <see cref="WebSocketServerOptions"/>).</summary>
    public static WebSocketServerOptions ForServer(WebSocketOptions? options, VirtualTimeScheduler<long, long> scheduler)
    {
        var copy = new WebSocketServerOptions();
        if (options is not null)
        {
            CopyConnection(options, copy);
        }

        if (options is WebSocketServerOptions server)
        {
            copy.Host = server.Host;
            copy.Port = server.Port;
            copy.Subprotocols = server.Subprotocols;
            copy.ProcessRequest = server.ProcessRequest;
            copy.MaxConnections = server.MaxConnections;
            copy.ServerHeader = server.ServerHeader;
            copy.Tls = server.Tls;
            copy.Origins = server.Origins;
            copy.SelectSubprotocol = server.SelectSubprotocol;
            copy.MaxHandshakesPerSecond = server.MaxHandshakesPerSecond;
            copy.UseSocketPoller = server.UseSocketPoller;
        }

        Virtualize(copy, scheduler);
        return copy;
    }

    /// <summary>Client settings from <paramref name="options"/> (handshake fields only from a <see cref="WebSocketClientOptions"/>).</summary>
    public static WebSocketClientOptions ForClient(WebSocketOptions? options, VirtualTimeScheduler<long, long> scheduler)
    {
        var copy = new WebSocketClientOptions();
        if (options is not null)
        {
            CopyConnection(options, copy);
        }

        if (options is WebSocketClientOptions client)
        {
            copy.Origin = client.Origin;
            copy.Subprotocols = client.Subprotocols;
            copy.Headers = client.Headers;
            copy.UserAgent = client.UserAgent;
            copy.Tls = client.Tls;
        }

        Virtualize(copy, scheduler);
        return copy;
    }

    private static void CopyConnection(WebSocketOptions from, WebSocketOptions to)
    {
        to.Limits = from.Limits;
        to.MaxQueue = from.MaxQueue;
        to.WriteHighWaterMark = from.WriteHighWaterMark;
        to.SinkBufferLimit = from.SinkBufferLimit;
        to.PingInterval = from.PingInterval;
        to.PingTimeout = from.PingTimeout;
        to.CloseTimeout = from.CloseTimeout;
        to.OpenTimeout = from.OpenTimeout;
        to.LoggerFactory = from.LoggerFactory;
        to.Compression = from.Compression;
        to.MaskKeyProvider = from.MaskKeyProvider;
    }

    private static void Virtualize(WebSocketOptions options, VirtualTimeScheduler<long, long> scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        options.TimeProvider = scheduler.AsTimeProvider();
        options.InlineExecution = true;
        options.Validate();
    }
}
