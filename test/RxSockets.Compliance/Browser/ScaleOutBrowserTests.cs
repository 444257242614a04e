using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reactive.Subjects;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Playwright;
using NUnit.Framework;
using RxSockets.Protocol;
using RxSockets.Redis.Tests;

namespace RxSockets.Compliance.Browser;

/// <summary>
/// The feeds browser client in headless Chromium across a node switch on the Redis backplane: the
/// node the page is connected to is killed while messages flow and another node takes its address
/// (as behind a load balancer); the page reconnects by itself and must show every message exactly once.
/// </summary>
[TestFixture]
public sealed class ScaleOutBrowserTests : BrowserFixture
{
    private static readonly byte[] s_page = LoadPage();

    [Test]
    public async Task Page_NodeKilledAndAnotherNodeTakesOver_ShowsEveryMessageExactlyOnce()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        string prefix = $"browser:{Guid.NewGuid():N}:";
        using var source = new Subject<int>();
        await using RedisFeedBackplane publisherBackplane = await ConnectAsync(redis, prefix);
        using var publisher = new FeedHub(new FeedHubOptions { Backplane = publisherBackplane });
        publisher.Publish("count", source, FeedsJson.Default.Int32); // a node without a server: the source runs here

        Node first = await Node.StartAsync(redis, prefix, port: 0);
        int port = first.Server.Uri.Port;
        IResponse? response = await Page.GotoAsync($"http://127.0.0.1:{port}/");
        Assert.That(response?.Status, Is.EqualTo(200));
        await WaitForAsync("() => window.feedTest && window.feedTest.subscribed === 1");

        for (int i = 1; i <= 100; i++)
        {
            source.OnNext(i);
        }

        await WaitForAsync("() => window.feedTest.events.length >= 50"); // it is receiving
        await first.KillAsync();
        for (int i = 101; i <= 200; i++)
        {
            source.OnNext(i); // while the page has no node
        }

        await using Node second = await Node.StartAsync(redis, prefix, port); // another process at the same address
        for (int i = 201; i <= 300; i++)
        {
            source.OnNext(i);
        }

        await WaitForAsync("() => window.feedTest.events.length >= 300 && window.feedTest.iterated.length >= 300");
        int[] shown = await Page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#items li')].map(li => Number(li.textContent))");
        long[] events = await Page.EvaluateAsync<long[]>("() => window.feedTest.events");
        int duplicates = await Page.EvaluateAsync<int>("() => window.feedTest.subscription.duplicates");
        int opens = await Page.EvaluateAsync<int>("() => window.feedTest.opens");
        int resets = await Page.EvaluateAsync<int>("() => window.feedTest.resets");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shown, Is.EqualTo(Enumerable.Range(1, 300)), "every message shown exactly once, in order");
            Assert.That(events, Is.EqualTo(Enumerable.Range(1, 300).Select(i => (long)i)));
            Assert.That(duplicates, Is.Zero, "the new node resent nothing the page already had");
            Assert.That(opens, Is.EqualTo(2), "one switch");
            Assert.That(resets, Is.Zero, "the new node read the history from Redis");
        }
    }

    private static Task<RedisFeedBackplane> ConnectAsync(RedisServer redis, string prefix) =>
        RedisFeedBackplane.ConnectAsync(new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = prefix }, CancellationToken.None);

    private async Task WaitForAsync(string condition) =>
        await Page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { PollingInterval = 20, Timeout = TimeoutMs });

    private static byte[] LoadPage()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RxSockets.Compliance.Browser.feeds.html")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static async ValueTask<HandshakeResponse?> ServePageAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        if (await FeedHub.ServeClientScriptAsync(request, cancellationToken) is { } script)
        {
            return script;
        }

        if (request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return null;
        }

        var headers = new HttpHeaders();
        headers.Add("Content-Type", "text/html; charset=utf-8");
        headers.Add("Content-Length", s_page.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Connection", "close");
        return new HandshakeResponse(200, "OK", headers, s_page);
    }

    /// <summary>A node that relays "count": its own Redis connection, hub and server with the test page.</summary>
    private sealed class Node(RedisFeedBackplane backplane, FeedHub hub, WebSocketServer server, StrongBox<bool> killed) : IAsyncDisposable
    {
        public WebSocketServer Server { get; } = server;

        public static async Task<Node> StartAsync(RedisServer redis, string prefix, int port)
        {
            RedisFeedBackplane backplane = await ConnectAsync(redis, prefix);
            var hub = new FeedHub(new FeedHubOptions { Backplane = backplane });
            hub.Relay("count");
            var killed = new StrongBox<bool>();
            WebSocketServer server = await WebSocketServer.StartAsync(hub.ServeAsync, new WebSocketServerOptions
            {
                Host = "127.0.0.1",
                Port = port,
                Subprotocols = [FeedHub.Subprotocol],
                ProcessRequest = (request, cancellationToken) => Volatile.Read(ref killed.Value)
                    ? ValueTask.FromResult<HandshakeResponse?>(HandshakeResponse.CreateError(503, "the node is going down"))
                    : ServePageAsync(request, cancellationToken),
            });
            return new Node(backplane, hub, server, killed);
        }

        /// <summary>
        /// Every connection drops without a close handshake, then the node stops. A reconnect that
        /// reaches the listener before it closes is refused, as a dead process would refuse it, so
        /// the page cannot open a connection to this node again and be moved a second time.
        /// </summary>
        public async Task KillAsync()
        {
            Volatile.Write(ref killed.Value, true);
            foreach (WebSocketConnection connection in Server.Connections)
            {
                connection.Abort();
            }

            await DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            hub.Dispose();
            await backplane.DisposeAsync();
        }
    }
}
