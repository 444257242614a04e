// The RxSockets fan-out server of fanout.sh (issue 21):
//   dotnet RxSockets.Benchmarks.FanOut.dll --mode broadcast|topic [--host 127.0.0.1] [--port 9201]
//                                          [--redis HOST:PORT [--relay]]
// Subscribers connect to /sub, the publisher to /pub. Every text message the publisher sends goes
// to every subscriber, framed once:
//   broadcast  WebSocketServer.Broadcast(PreparedMessage, subscribers): the same bytes as received.
//   topic      a FeedHub topic "bench" over the publisher's messages (subscribers are subscribed by
//              their path, /sub): each message arrives in the feed envelope
//              {"type":"data","topic":"bench","seq":N,"data":"<the publisher's text>"}.
//              With --redis, the hub's backplane is a RedisFeedBackplane (key prefix "fanout:"): the
//              node without --relay publishes the topic (the publisher connects to it), a node with
//              --relay serves it from Redis (issue 22, fanout.sh topic-redis).
// Stops on SIGINT/SIGTERM.
using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reactive.Subjects;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

namespace RxSockets.Benchmarks.FanOut;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string mode = "broadcast";
        string host = "127.0.0.1";
        int port = 9201;
        string? redis = null;
        bool relay = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--relay")
            {
                relay = true;
                continue;
            }

            if (i + 1 >= args.Length || arg is not ("--mode" or "--host" or "--port" or "--redis"))
            {
                Console.Error.WriteLine("usage: RxSockets.Benchmarks.FanOut --mode broadcast|topic [--host H] [--port P] [--redis HOST:PORT [--relay]]");
                return 2;
            }

            string value = args[++i];
            switch (arg)
            {
                case "--mode": mode = value; break;
                case "--host": host = value; break;
                case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: redis = value; break;
            }
        }

        if (mode is not ("broadcast" or "topic") || (redis is not null && mode != "topic") || (relay && redis is null))
        {
            Console.Error.WriteLine($"unknown mode {mode}, or --redis without topic mode, or --relay without --redis");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using RedisFeedBackplane? backplane = redis is null
            ? null
            : await RedisFeedBackplane.ConnectAsync(new RedisBackplaneOptions { Configuration = redis, KeyPrefix = "fanout:" }, stop.Token);
        await using FanOutServer server = await FanOutServer.StartAsync(mode, host, port, backplane, relay, stop.Token);
        Console.WriteLine($"fan-out server ({mode}{(redis is null ? "" : relay ? ", relaying from Redis" : ", publishing through Redis")}) on {server.Server.Uri}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}

/// <summary>The fan-out server: broadcast or topic mode (see the file header).</summary>
public sealed class FanOutServer : IAsyncDisposable
{
    /// <summary>The load tool's name for broadcast mode.</summary>
    public const string RxSocketsKind = "rxsockets";

    /// <summary>The load tool's name for topic mode.</summary>
    public const string TopicKind = "topic";

    private readonly ConcurrentDictionary<WebSocketConnection, byte> _subscribers = new();
    private readonly Subject<Message> _published = new();
    private readonly FeedHub _hub;

    private FanOutServer(IFeedBackplane? backplane, bool relay)
    {
        var hubOptions = new FeedHubOptions { TopicFromPath = path => path == "/sub" ? "bench" : null };
        if (backplane is not null)
        {
            hubOptions.Backplane = backplane;
        }

        _hub = new FeedHub(hubOptions);
        var options = new TopicOptions { Linger = Timeout.InfiniteTimeSpan };
        if (relay)
        {
            _hub.Relay("bench", options);
        }
        else
        {
            _hub.Publish("bench", _published, options);
        }
    }

    /// <summary>The running server.</summary>
    public WebSocketServer Server { get; private set; } = null!;

    /// <summary>Starts the server in <paramref name="mode"/> ("broadcast" or "topic"), on one process.</summary>
    public static Task<FanOutServer> StartAsync(string mode, string host, int port, CancellationToken cancellationToken = default) =>
        StartAsync(mode, host, port, backplane: null, relay: false, cancellationToken);

    /// <summary>
    /// Starts the server in <paramref name="mode"/> ("broadcast" or "topic"). In topic mode
    /// <paramref name="backplane"/> (e.g. a <see cref="RedisFeedBackplane"/>, not disposed here)
    /// carries the topic between processes; <paramref name="relay"/> serves the topic another node
    /// publishes (this node's <c>/pub</c> is then unused).
    /// </summary>
    public static async Task<FanOutServer> StartAsync(
        string mode, string host, int port, IFeedBackplane? backplane, bool relay, CancellationToken cancellationToken = default)
    {
        var fanOut = new FanOutServer(backplane, relay);
        bool topic = mode == "topic";
        Action<Message> publish = topic ? fanOut._published.OnNext : message => WebSocketServer.Broadcast(new PreparedMessage(message), fanOut._subscribers.Keys);
        fanOut.Server = await WebSocketServer.StartAsync(
            (ws, ct) => ws.Path switch
            {
                "/pub" => PublishAsync(ws, publish, ct),
                "/sub" when topic => fanOut._hub.ServeAsync(ws, ct),
                "/sub" => SubscribeAsync(ws, fanOut._subscribers),
                _ => Task.CompletedTask,
            },
            new WebSocketServerOptions { Host = host, Port = port },
            cancellationToken);
        return fanOut;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _hub.Dispose();
        _published.Dispose();
    }

    /// <summary>The publisher: each message it sends is handed to <paramref name="publish"/>.</summary>
    private static async Task PublishAsync(WebSocketConnection ws, Action<Message> publish, CancellationToken cancellationToken)
    {
        await foreach (Message message in ws.ReadAllAsync(cancellationToken))
        {
            publish(message);
        }
    }

    /// <summary>A broadcast subscriber: registered until its connection closes.</summary>
    private static async Task SubscribeAsync(WebSocketConnection ws, ConcurrentDictionary<WebSocketConnection, byte> subscribers)
    {
        subscribers.TryAdd(ws, 0);
        try
        {
            await ws.Completion;
        }
        finally
        {
            subscribers.TryRemove(ws, out _);
        }
    }
}
