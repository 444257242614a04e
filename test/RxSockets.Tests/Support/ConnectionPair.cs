using System;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>A client and a server connection joined by an in-memory duplex pipe, running the real engine.</summary>
internal sealed class ConnectionPair : IAsyncDisposable
{
    private ConnectionPair(WebSocketConnection client, WebSocketConnection server)
    {
        Client = client;
        Server = server;
    }

    public WebSocketConnection Client { get; }

    public WebSocketConnection Server { get; }

    /// <summary>Creates and starts both ends. Keepalive is off unless the options turn it on.</summary>
    public static ConnectionPair Create(WebSocketOptions? clientOptions = null, WebSocketOptions? serverOptions = null, long pipeBuffer = 64 * 1024)
    {
        (ITransport a, ITransport b) = InMemoryTransports.CreatePair(pipeBuffer);
        var client = new WebSocketConnection(a, ConnectionSide.Client, clientOptions ?? NoKeepAlive(), null, null);
        var server = new WebSocketConnection(b, ConnectionSide.Server, serverOptions ?? NoKeepAlive(), null, null);
        client.Start();
        server.Start();
        return new ConnectionPair(client, server);
    }

    public static WebSocketOptions NoKeepAlive() => new() { PingInterval = null };

    public async ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        await Task.WhenAll(Client.Completion, Server.Completion).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
