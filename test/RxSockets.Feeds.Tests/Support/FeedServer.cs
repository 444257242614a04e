using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Feeds.Tests;

/// <summary>A hub served by a real <see cref="WebSocketServer"/> on 127.0.0.1 and a free port.</summary>
internal sealed class FeedServer : IAsyncDisposable
{
    /// <summary>How long a socket test waits for something that must happen: a generous bound, not a timing assumption.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private FeedServer(FeedHub hub, WebSocketServer server)
    {
        Hub = hub;
        Server = server;
    }

    public FeedHub Hub { get; }

    public WebSocketServer Server { get; }

    public Uri Uri => Server.Uri;

    public static async Task<FeedServer> StartAsync(FeedHubOptions? hubOptions = null, Action<WebSocketServerOptions>? configure = null, Action<FeedHub>? publish = null)
    {
        var hub = new FeedHub(hubOptions);
        publish?.Invoke(hub);
        var options = new WebSocketServerOptions { Host = "127.0.0.1", Port = 0, Subprotocols = [FeedHub.Subprotocol] };
        configure?.Invoke(options);
        WebSocketServer server = await WebSocketServer.StartAsync(hub.ServeAsync, options);
        return new FeedServer(hub, server);
    }

    /// <summary>Connects a test client to <paramref name="path"/>.</summary>
    public Task<TestFeedClient> ConnectAsync(string path = "/", WebSocketClientOptions? options = null, CancellationToken cancellationToken = default) =>
        TestFeedClient.ConnectAsync(new Uri(Uri, path), options, cancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds: for a server-side count that no event announces; the bound is the test's CancelAfter.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Aborts every server connection (the clients see their connection drop).</summary>
    public void DropAll()
    {
        foreach (WebSocketConnection connection in Server.Connections)
        {
            connection.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Hub.Dispose();
    }
}

/// <summary>A client of the feed protocol for tests: sends requests, reads envelopes with a bounded wait.</summary>
internal sealed class TestFeedClient : IAsyncDisposable
{
    private TestFeedClient(WebSocketConnection connection) => Connection = connection;

    public WebSocketConnection Connection { get; }

    public static async Task<TestFeedClient> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WebSocketClientOptions { Subprotocols = [FeedHub.Subprotocol] };
        return new TestFeedClient(await WebSocketClient.ConnectAsync(uri, options, cancellationToken));
    }

    public ValueTask SendAsync(string json, CancellationToken cancellationToken = default) => Connection.SendAsync(json, cancellationToken);

    public ValueTask SubscribeAsync(string topic, long? since = null, string? epoch = null, CancellationToken cancellationToken = default) =>
        SendAsync(since is null
            ? $$"""{"type":"subscribe","topic":"{{topic}}"}"""
            : $$"""{"type":"subscribe","topic":"{{topic}}","since":{{since}},"epoch":"{{epoch}}"}""", cancellationToken);

    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default) =>
        SendAsync($$"""{"type":"unsubscribe","topic":"{{topic}}"}""", cancellationToken);

    /// <summary>The next envelope.</summary>
    public async Task<Envelope> ReceiveAsync(CancellationToken cancellationToken = default) =>
        Envelope.Parse(await Connection.ReceiveAsync(cancellationToken).AsTask().WaitAsync(FeedServer.Wait, cancellationToken));

    /// <summary>The next envelope, which must be of <paramref name="type"/>.</summary>
    public async Task<Envelope> ExpectAsync(string type, CancellationToken cancellationToken = default)
    {
        Envelope envelope = await ReceiveAsync(cancellationToken);
        if (envelope.Type != type)
        {
            throw new InvalidOperationException($"expected {type}, got {envelope.Text}");
        }

        return envelope;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
