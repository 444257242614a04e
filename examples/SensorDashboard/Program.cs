// SensorDashboard: live sensor readings to browsers through a feed hub (docs/feeds.md).
//   dotnet run --project examples/SensorDashboard                      http://127.0.0.1:5679/
//   dotnet run --project examples/SensorDashboard -- --port 8080 --host 0.0.0.0
//   dotnet run --project examples/SensorDashboard -- --slow-client     the conflation demo, in the console
// On two nodes sharing a local Redis (docs/scale-out.md): the first runs the sensors, the second
// relays them; both pages show the same readings with the same sequence numbers.
//   dotnet run --project examples/SensorDashboard -- --redis 127.0.0.1:6379 --port 5679
//   dotnet run --project examples/SensorDashboard -- --redis 127.0.0.1:6379 --port 5680 --relay
// Simulated sensors (random walks on Observable.Interval) are published as two topics: "sensors"
// (8 sensors, 10 readings a second each), drawn by the page, and "sensors/fast" (8 sensors, 250 a
// second each), which --slow-client reads the way a phone that wakes up now and then would. Both keep the newest reading
// per sensor for subscribers that cannot keep up (FlowPolicy.LatestPerKey). Stops on SIGINT/SIGTERM.
using System;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

namespace SensorDashboard;

public static class Program
{
    /// <summary>The default port (ShowTime's plus one).</summary>
    public const int DefaultPort = 5679;

    /// <summary>The topic the page draws.</summary>
    public const string SensorsTopic = "sensors";

    /// <summary>The high-rate topic of the slow-client demo.</summary>
    public const string FastTopic = "sensors/fast";

    public static async Task<int> Main(string[] args)
    {
        string host = "127.0.0.1";
        int port = DefaultPort;
        bool slowClient = false;
        string? redis = null;
        bool relay = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--host" when i + 1 < args.Length:
                    host = args[++i];
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535:
                    port = p;
                    i++;
                    break;
                case "--slow-client":
                    slowClient = true;
                    break;
                case "--redis" when i + 1 < args.Length:
                    redis = args[++i];
                    break;
                case "--relay":
                    relay = true;
                    break;
                default:
                    Console.Error.WriteLine("usage: SensorDashboard [--host ADDRESS] [--port PORT] [--slow-client] [--redis HOST:PORT [--relay]]   (defaults: 127.0.0.1, 5679)");
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        if (relay && redis is null)
        {
            Console.Error.WriteLine("SensorDashboard: --relay needs --redis (the sensors run on another node)");
            return 2;
        }

        await using RedisFeedBackplane? backplane = redis is null ? null
            : await RedisFeedBackplane.ConnectAsync(new RedisBackplaneOptions { Configuration = redis, KeyPrefix = "sensordashboard:" }, stop.Token);
        await using Dashboard dashboard = await StartAsync(host, port, backplane: backplane, relay: relay);
        Console.WriteLine($"SensorDashboard: open {dashboard.PageUri} in a browser (feeds on {dashboard.Server.Uri}; Ctrl+C to stop)");
        try
        {
            if (slowClient)
            {
                Console.WriteLine($"SensorDashboard: a client reads {FastTopic} ({8 * 250:N0} readings a second) only every 5 s:");
                await SlowClient.RunAsync(dashboard.Server.Uri, FastTopic, TimeSpan.FromSeconds(5), Console.Out, stop.Token);
            }
            else
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("SensorDashboard: stopping");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // shut down gracefully: browsers get 1001 "going away" and reconnect
            stop.Cancel();
        }
    }

    /// <summary>Starts the hub and the server: the page on <c>GET /</c>, the feeds on WebSocket upgrades.</summary>
    /// <param name="host">The address to listen on.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="scheduler">Where the sensors tick; <see langword="null"/> for the real clock (tests pass a virtual one).</param>
    /// <param name="backplane">A shared backplane (Redis) to run on several nodes; <see langword="null"/> for one process.</param>
    /// <param name="relay">With a backplane: serve the sensors another node runs, rather than run them here.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running dashboard.</returns>
    public static async Task<Dashboard> StartAsync(string host, int port, IScheduler? scheduler = null, IFeedBackplane? backplane = null, bool relay = false, CancellationToken cancellationToken = default)
    {
        scheduler ??= DefaultScheduler.Instance;
        var hub = new FeedHub(new FeedHubOptions { Backplane = backplane ?? InProcessFeedBackplane.Instance });
        var sensorsOptions = new TopicOptions { FlowPolicy = FlowPolicy.LatestPerKey, HistoryCount = 8 * 10 * 120 };
        if (relay)
        {
            hub.Relay(SensorsTopic, sensorsOptions);
            return await ServeAsync(hub, host, port, cancellationToken);
        }

        // The page's topic: the newest reading of every sensor for a new page (or all of the last
        // two minutes, when it asks for history), and for a page that falls behind.
        hub.Publish(SensorsTopic, Sensors.Simulate(8, TimeSpan.FromMilliseconds(100), scheduler), SensorJson.Default.Reading,
            sensorsOptions, key: reading => reading.Sensor);

        // The demo's topic: too fast for a slow client, which then gets the newest reading per sensor.
        // A local demo: on a shared backplane its 2,000 readings a second would all go through Redis.
        if (backplane is null || !backplane.IsShared)
        {
            hub.Publish(FastTopic, Sensors.Simulate(8, TimeSpan.FromMilliseconds(4), scheduler, step: 0.2, seed: 7), SensorJson.Default.Reading,
                new TopicOptions { FlowPolicy = FlowPolicy.LatestPerKey, Linger = TimeSpan.Zero },
                key: reading => reading.Sensor);
        }

        return await ServeAsync(hub, host, port, cancellationToken);
    }

    private static async Task<Dashboard> ServeAsync(FeedHub hub, string host, int port, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            Host = host,
            Port = port,
            Subprotocols = [FeedHub.Subprotocol],
            ProcessRequest = DashboardPage.ServeAsync,
        };

        try
        {
            WebSocketServer server = await WebSocketServer.StartAsync(hub.ServeAsync, options, cancellationToken);
            return new Dashboard(hub, server);
        }
        catch
        {
            hub.Dispose();
            throw;
        }
    }
}

/// <summary>A running dashboard: the hub and the server that serves it.</summary>
/// <param name="hub">The hub.</param>
/// <param name="server">The server.</param>
public sealed class Dashboard(FeedHub hub, WebSocketServer server) : IAsyncDisposable
{
    /// <summary>The hub (topics <see cref="Program.SensorsTopic"/> and <see cref="Program.FastTopic"/>).</summary>
    public FeedHub Hub { get; } = hub;

    /// <summary>The server.</summary>
    public WebSocketServer Server { get; } = server;

    /// <summary>The page's address, for example <c>http://127.0.0.1:5679/</c>.</summary>
    public Uri PageUri => new UriBuilder(Server.Uri) { Scheme = Uri.UriSchemeHttp }.Uri;

    /// <summary>Stops the server (pages get 1001 and reconnect) and the hub.</summary>
    /// <returns>A task that completes when everything stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Hub.Dispose();
    }
}
