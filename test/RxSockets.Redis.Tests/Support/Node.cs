using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Redis.Tests;

/// <summary>
/// One server node: its own Redis connection (as a separate process would have), a hub on it and a
/// WebSocket server on 127.0.0.1 and a free port.
/// </summary>
internal sealed class Node : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private Node(RedisFeedBackplane backplane, FeedHub hub, WebSocketServer server)
    {
        Backplane = backplane;
        Hub = hub;
        Server = server;
    }

    public RedisFeedBackplane Backplane { get; }

    public FeedHub Hub { get; }

    public WebSocketServer Server { get; }

    public Uri Uri => Server.Uri;

    public static async Task<Node> StartAsync(RedisServer redis, string prefix, Action<FeedHub> topics, int port = 0, Action<RedisBackplaneOptions>? configure = null)
    {
        Microsoft.Extensions.Logging.ILoggerFactory log = TestLog.Current.NextNode();
        var backplaneOptions = new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = prefix, LoggerFactory = log };
        configure?.Invoke(backplaneOptions);
        RedisFeedBackplane backplane = await RedisFeedBackplane.ConnectAsync(backplaneOptions, CancellationToken.None);
        var hub = new FeedHub(new FeedHubOptions { Backplane = backplane, LoggerFactory = log });
        topics(hub);
        var options = new WebSocketServerOptions { Host = "127.0.0.1", Port = port, Subprotocols = [FeedHub.Subprotocol], ProcessRequest = FeedHub.ServeClientScriptAsync };
        WebSocketServer server = await WebSocketServer.StartAsync(hub.ServeAsync, options);
        return new Node(backplane, hub, server);
    }

    public Task<TestFeedClient> ConnectAsync() => TestFeedClient.ConnectAsync(Uri);

    /// <summary>Kills the node: every connection drops without a close handshake, then it stops.</summary>
    public async Task KillAsync()
    {
        foreach (WebSocketConnection connection in Server.Connections)
        {
            connection.Abort();
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Hub.Dispose();
        await Backplane.DisposeAsync();
    }
}

/// <summary>A client of the feed protocol for tests: sends requests, reads envelopes with a bounded wait.</summary>
internal sealed class TestFeedClient : IAsyncDisposable
{
    private TestFeedClient(WebSocketConnection connection) => Connection = connection;

    public WebSocketConnection Connection { get; }

    public static async Task<TestFeedClient> ConnectAsync(Uri uri) =>
        new(await WebSocketClient.ConnectAsync(uri, new WebSocketClientOptions { Subprotocols = [FeedHub.Subprotocol] }, CancellationToken.None));

    public ValueTask SubscribeAsync(string topic, long? since = null, string? epoch = null) =>
        Connection.SendAsync(since is null
            ? $$"""{"type":"subscribe","topic":"{{topic}}"}"""
            : $$"""{"type":"subscribe","topic":"{{topic}}","since":{{since}},"epoch":"{{epoch}}"}""", CancellationToken.None);

    public async Task<Envelope> ReceiveAsync() =>
        Envelope.Parse((await Connection.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(Node.Wait)).Text);

    public async Task<Envelope> ExpectAsync(string type)
    {
        Envelope envelope = await ReceiveAsync();
        if (envelope.Type != type)
        {
            throw new InvalidOperationException($"expected {type}, got {envelope.Text}");
        }

        return envelope;
    }

    /// <summary>Reads data envelopes until one with <paramref name="seq"/>; returns their sequence numbers.</summary>
    public async Task<System.Collections.Generic.List<long>> ReadDataUntilAsync(long seq)
    {
        var seen = new System.Collections.Generic.List<long>();
        while (seen.Count == 0 || seen[^1] < seq)
        {
            seen.Add((await ExpectAsync("data")).Seq);
        }

        return seen;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
