// The RxSockets fan-out server of fanout.sh (issue 21):
//   dotnet RxSockets.Benchmarks.FanOut.dll --mode broadcast|topic [--host 127.0.0.1] [--port 9201]
// Subscribers connect to /sub, the publisher to /pub. Every text message the publisher sends goes
// to every subscriber, framed once:
//   broadcast  WebSocketServer.Broadcast(PreparedMessage, subscribers): the same bytes as received.
//   topic      a FeedHub topic "bench" over the publisher's messages (subscribers are subscribed by
//              their path, /sub): each message arrives in the feed envelope
//              {"type":"data","topic":"bench","seq":N,"data":"<the publisher's text>"}.
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
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--mode": mode = args[i + 1]; break;
                case "--host": host = args[i + 1]; break;
                case "--port": port = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine("usage: RxSockets.Benchmarks.FanOut --mode broadcast|topic [--host H] [--port P]");
                    return 2;
            }
        }

        if (mode is not ("broadcast" or "topic"))
        {
            Console.Error.WriteLine($"unknown mode {mode}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using FanOutServer server = await FanOutServer.StartAsync(mode, host, port, stop.Token);
        Console.WriteLine($"fan-out server ({mode}) on {server.Server.Uri}");
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
    private readonly FeedHub _hub = new(new FeedHubOptions { TopicFromPath = path => path == "/sub" ? "bench" : null });

    private FanOutServer() => _hub.Publish("bench", _published, new TopicOptions { Linger = Timeout.InfiniteTimeSpan });

    /// <summary>The running server.</summary>
    public WebSocketServer Server { get; private set; } = null!;

    /// <summary>Starts the server in <paramref name="mode"/> ("broadcast" or "topic").</summary>
    public static async Task<FanOutServer> StartAsync(string mode, string host, int port, CancellationToken cancellationToken = default)
    {
        var fanOut = new FanOutServer();
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
