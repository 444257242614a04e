using System;
using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets.Soak;

/// <summary>
/// One node of the soak, run as its own process (<c>RxSockets.Soak node …</c>): a
/// <see cref="WebSocketServer"/> and a <see cref="FeedHub"/> on a <see cref="RedisFeedBackplane"/>.
/// The publishing node publishes <c>counter timestamp</c> (the counter from 0, the timestamp
/// <see cref="Stopwatch.GetTimestamp"/>, monotonic and shared by the processes of one machine) at a
/// fixed rate; a relaying node <c>Relay</c>s the topic.
/// </summary>
/// <remarks>
/// Talks to its parent through lines: stdout <c>ready &lt;port&gt;</c>, <c>stats …</c> every 5 s,
/// <c>stopped published=N</c> after the stdin line <c>stop</c> (the publisher stops publishing, the
/// node keeps serving); logs (Information and up) go to stderr. It exits when stdin closes, so a
/// parent that dies takes its nodes with it.
/// </remarks>
public static class SoakNode
{
    public const string Topic = "soak";

    public static async Task<int> RunAsync(string[] args)
    {
        string redis = "127.0.0.1:6379";
        int port = 0;
        bool publish = false;
        double rate = 10;
        int history = 2000;
        string prefix = "soak:";
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--redis": redis = args[i + 1]; break;
                case "--port": port = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--role": publish = args[i + 1] == "publish"; break;
                case "--rate": rate = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--history": history = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--prefix": prefix = args[i + 1]; break;
                default:
                    Console.Error.WriteLine($"unknown node option {args[i]}");
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var log = new StderrLog();
        await using RedisFeedBackplane backplane = await RedisFeedBackplane.ConnectAsync(
            new RedisBackplaneOptions { Configuration = redis, KeyPrefix = prefix, LoggerFactory = log }, stop.Token);
        using var hub = new FeedHub(new FeedHubOptions { Backplane = backplane, LoggerFactory = log });
        var topicOptions = new TopicOptions
        {
            HistoryCount = history,
            HistoryAge = TimeSpan.FromMinutes(30),
            Linger = Timeout.InfiniteTimeSpan,
        };

        long published = 0;
        int stopped = 0;
        if (publish)
        {
            // Every tick publishes the next counter and the time of publishing; after "stop" nothing more.
            IObservable<Message> source = Observable.Interval(TimeSpan.FromSeconds(1 / rate))
                .Where(_ => Volatile.Read(ref stopped) == 0)
                .Select(_ => Message.FromText(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Interlocked.Increment(ref published) - 1} {Stopwatch.GetTimestamp()}")));
            hub.Publish(Topic, source, topicOptions);
        }
        else
        {
            hub.Relay(Topic, topicOptions);
        }

        await using WebSocketServer server = await WebSocketServer.StartAsync(
            hub.ServeAsync,
            new WebSocketServerOptions { Host = "127.0.0.1", Port = port, Subprotocols = [FeedHub.Subprotocol], LoggerFactory = log },
            stop.Token);
        Console.WriteLine($"ready {server.Uri.Port}");

        _ = Task.Run(async () =>
        {
            // The parent's commands; end of input (the parent died or closed it) stops the node.
            while (await Console.In.ReadLineAsync(stop.Token) is { } line)
            {
                if (line == "stop")
                {
                    Volatile.Write(ref stopped, 1);
                    await Task.Delay(500, stop.Token); // a tick that passed the filter is published meanwhile
                    await backplane.FlushAsync(stop.Token);
                    Console.WriteLine($"stopped published={Interlocked.Read(ref published)}");
                }
            }

            await stop.CancelAsync();
        });

        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"stats published={Interlocked.Read(ref published)} connections={server.Connections.Count} publishFailures={backplane.PublishFailures} messagesLost={backplane.MessagesLost} epochChanges={backplane.EpochChanges} connectionFailures={backplane.ConnectionFailures}"));
            }
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    /// <summary>Information and up to stderr, one line each, with the time since start.</summary>
    private sealed class StderrLog : ILoggerFactory
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        private sealed class Logger(StderrLog owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    Console.Error.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{owner._clock.Elapsed.TotalSeconds,8:0.000} s {logLevel} {category} {eventId.Id}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}"));
                }
            }
        }
    }
}
