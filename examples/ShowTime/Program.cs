// ShowTime: the browser example. One shared Rx feed pushes the current UTC time every second to
// every connected browser; the same port serves the page that shows it.
//   dotnet run --project examples/ShowTime                     http://127.0.0.1:5678/
//   dotnet run --project examples/ShowTime -- --port 8080 --host 0.0.0.0
// GET / answers with the page (through WebSocketServerOptions.ProcessRequest); a WebSocket upgrade
// on ws://HOST:PORT/ joins the feed. Stops on SIGINT (Ctrl+C) or SIGTERM.
using System;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

namespace ShowTime;

public static class Program
{
    /// <summary>The port of the original example.</summary>
    public const int DefaultPort = 5678;

    public static async Task<int> Main(string[] args)
    {
        string host = "127.0.0.1";
        int port = DefaultPort;
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
                default:
                    Console.Error.WriteLine("usage: ShowTime [--host ADDRESS] [--port PORT]   (defaults: 127.0.0.1, 5678)");
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using WebSocketServer server = await StartAsync(host, port);
        Console.WriteLine($"ShowTime: open {PageUri(server)} in a browser (time feed on {server.Uri}; Ctrl+C to stop)");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("ShowTime: stopping");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // shut down gracefully: browsers get 1001 "going away"
            stop.Cancel();
        }
    }

    /// <summary>
    /// Starts the server: the page on <c>GET /</c>, the time feed on every WebSocket connection.
    /// </summary>
    /// <param name="host">The address to listen on.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="scheduler">Where the feed ticks and reads the time; <see langword="null"/> for the real clock (tests pass a virtual-time scheduler).</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running server.</returns>
    public static Task<WebSocketServer> StartAsync(string host, int port, IScheduler? scheduler = null, CancellationToken cancellationToken = default)
    {
        scheduler ??= DefaultScheduler.Instance;
        IObservable<Message> feed = CreateFeed(scheduler);
        var options = new WebSocketServerOptions
        {
            Host = host,
            Port = port,
            ProcessRequest = TimePage.ServeAsync,
        };

        // Rx handler: the returned stream is what the connection sends. Subscribe to the shared
        // feed first, then send the current time at once, so a new page never waits up to a second.
        return WebSocketServer.StartAsync(
            ws => feed.Merge(Observable.Defer(() => Observable.Return(Stamp(scheduler.Now)))),
            options,
            cancellationToken);
    }

    /// <summary>
    /// The one shared feed: a tick every second, stamped with the scheduler's time. <c>Publish</c>
    /// plus <c>RefCount</c> make every connection share one timer, which starts with the first
    /// subscriber and stops when the last one leaves.
    /// </summary>
    /// <param name="scheduler">Where the ticks run and the time is read.</param>
    /// <returns>The hot, shared feed.</returns>
    public static IObservable<Message> CreateFeed(IScheduler scheduler) =>
        Observable.Interval(TimeSpan.FromSeconds(1), scheduler)
            .Select(_ => Stamp(scheduler.Now))
            .Publish()
            .RefCount();

    /// <summary>The message for one instant: the UTC time in ISO 8601 to the second, for example <c>2026-11-23T21:05:07Z</c>.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>A text message.</returns>
    public static Message Stamp(DateTimeOffset now) =>
        Message.FromText(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>The page's address: the server's <c>ws://</c> URI with <c>http://</c>.</summary>
    /// <param name="server">The running server.</param>
    /// <returns>For example <c>http://127.0.0.1:5678/</c>.</returns>
    public static Uri PageUri(WebSocketServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new UriBuilder(server.Uri) { Scheme = Uri.UriSchemeHttp }.Uri;
    }
}
