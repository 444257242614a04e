using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Soak;

/// <summary>What a soak run does.</summary>
public sealed class SoakOptions
{
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(600);

    public int Clients { get; set; } = 1000;

    /// <summary>Messages per second node A publishes.</summary>
    public double Rate { get; set; } = 10;

    /// <summary>The topic's HistoryCount on both nodes and in Redis.</summary>
    public int History { get; set; } = 2000;

    /// <summary>How long Redis stays down at 1/3 of the run.</summary>
    public TimeSpan RedisDown { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long node B stays down at 2/3 of the run.</summary>
    public TimeSpan NodeDown { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait at the end, after the publisher stopped, for every client to reach its last message.</summary>
    public TimeSpan Drain { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The clients' reconnect backoff; null for <see cref="Backoff.Default"/> (a first retry within 0–5 s, as the browser client).</summary>
    public Backoff? Backoff { get; set; }

    public string RedisPath { get; set; } = "/usr/bin/redis-server";

    /// <summary>The soak's log file (every child's output, the faults, the evidence); null for none.</summary>
    public string? LogPath { get; set; }

    /// <summary>Where progress lines go; null for nowhere.</summary>
    public Action<string>? Console { get; set; }

    /// <summary>When the run gives up (everything is killed and the run throws <see cref="TimeoutException"/>); by default the duration plus 3 minutes.</summary>
    public TimeSpan? Deadline { get; set; }
}

/// <summary>
/// The soak: redis-server, node A (publishes) and node B (relays) as processes, N clients split over
/// them, a Redis restart at 1/3 and a kill and restart of node B at 2/3, then the publisher stops and
/// every client must reach the last message. Every process it starts it stops by PID, also on failure
/// and at the deadline.
/// </summary>
public static class SoakRun
{
    public static async Task<SoakResult> RunAsync(SoakOptions options, CancellationToken cancellationToken = default)
    {
        TimeSpan deadline = options.Deadline ?? options.Duration + TimeSpan.FromMinutes(3);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(deadline);
        CancellationToken ct = cts.Token;
        using var log = new SoakLog(options.LogPath, options.Console);
        var children = new List<ChildProcess>();
        var clients = new List<SoakClient>();
        var latency = new LatencyHistogram();
        var result = new SoakResult { Clients = options.Clients, Duration = options.Duration, Rate = options.Rate, History = options.History };
        ChildProcess? redis = null;
        ChildProcess? nodeA = null;
        ChildProcess? nodeB = null;
        int redisPort = FreePort();
        int[] ports = [FreePort(), FreePort()];
        Uri[] uris = [.. ports.Select(p => new Uri($"ws://127.0.0.1:{p}/"))];
        string prefix = $"soak{Environment.ProcessId}:";
        try
        {

            redis = await StartRedisAsync();
            nodeA = await StartNodeAsync("A", ports[0], "publish");
            nodeB = await StartNodeAsync("B", ports[1], "relay");

            var reconnect = new ReconnectOptions { Backoff = options.Backoff ?? Backoff.Default };
            log.Say($"connecting {options.Clients} clients (half to A {uris[0]}, half to B {uris[1]})");
            for (int i = 0; i < options.Clients; i++)
            {
                var client = new SoakClient(i, uris, i % 2, reconnect, log, latency);
                clients.Add(client);
                client.Start();
                if (i % 50 == 49)
                {
                    await Task.Delay(50, ct); // no connect storm: 1,000 clients in about a second
                }
            }

            Stopwatch clock = Stopwatch.StartNew();
            await WaitAsync(() => clients.All(c => c.LastCounter >= 0), TimeSpan.FromSeconds(60), "every client's first message");
            log.Say($"all {clients.Count} clients received a first message after {clock.Elapsed.TotalSeconds:0.0} s; soak for {options.Duration.TotalSeconds:0} s");

            TimeSpan start = log.Elapsed;
            Task progress = ProgressAsync();

            // 1/3: Redis killed by PID, down for RedisDown, started again on the same port, empty.
            await Task.Delay(options.Duration / 3, ct);
            log.Say($"FAULT 1: killing redis-server (pid {redis.Pid}), down for {options.RedisDown.TotalSeconds:0.#} s");
            redis.Dispose();
            children.Remove(redis);
            await Task.Delay(options.RedisDown, ct);
            redis = await StartRedisAsync();
            log.Say($"FAULT 1: redis-server started again (pid {redis.Pid}), empty");

            // 2/3: node B killed by PID; its clients move to A; B started again on the same port.
            await Task.Delay(start + (options.Duration * 2 / 3) - log.Elapsed, ct);
            int onB = clients.Count(c => c.Node == 1);
            log.Say($"FAULT 2: killing node B (pid {nodeB.Pid}) with {onB} clients, down for {options.NodeDown.TotalSeconds:0.#} s");
            result.NodeBRssBeforeKillMiB = nodeB.RssMiB() ?? 0;
            nodeB.Dispose();
            children.Remove(nodeB);
            await Task.Delay(options.NodeDown, ct);
            nodeB = await StartNodeAsync("B", ports[1], "relay");
            log.Say($"FAULT 2: node B started again (pid {nodeB.Pid}); clients on A: {clients.Count(c => c.Node == 0)}, on B: {clients.Count(c => c.Node == 1)}");

            TimeSpan left = start + options.Duration - log.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, ct);
            }

            // The end: the publisher stops; every client must reach its last message.
            string stopped = await nodeA.AskAsync("stop", "stopped ", TimeSpan.FromSeconds(30));
            long published = long.Parse(stopped[(stopped.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            result.Published = published;
            log.Say($"publisher stopped after {published} messages; waiting up to {options.Drain.TotalSeconds:0} s for every client to reach counter {published - 1}");
            await WaitAsync(() => clients.All(c => c.LastCounter == published - 1), options.Drain, null);
            result.Incomplete = clients.Count(c => c.LastCounter != published - 1);
            foreach (SoakClient client in clients.Where(c => c.LastCounter != published - 1).Take(10))
            {
                log.Say($"client {client.Id}: incomplete, last counter {client.LastCounter} of {published - 1}, on node {client.Node}, reconnects {client.Reconnects}");
            }

            result.NodeARssMiB = nodeA.RssMiB() ?? 0;
            result.NodeBRssMiB = nodeB.RssMiB() ?? 0;
            result.NodeAStats = nodeA.LastStats;
            result.NodeBStats = nodeB.LastStats;
            result.OnA = clients.Count(c => c.Node == 0);
            result.OnB = clients.Count(c => c.Node == 1);
            result.Soaked = log.Elapsed - start;
            await cts.CancelAsync(); // ends the progress loop
            await progress;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Say($"DEADLINE: the run did not finish within {deadline.TotalSeconds:0} s; everything is stopped");
            throw new TimeoutException($"The soak did not finish within {deadline}.");
        }
        finally
        {
            Collect();
            log.Say($"stopping {clients.Count} clients and {children.Count} processes");
            try
            {
                await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask())).WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            }
            catch (Exception ex) when (ex is TimeoutException or ConnectionClosedException or OperationCanceledException)
            {
                log.Say($"clients did not all close in 20 s ({ex.GetType().Name}); the processes are killed anyway");
            }

            foreach (ChildProcess child in children)
            {
                child.Dispose();
            }

            log.Write("result:\n" + result);
        }

        return result;

        async Task<ChildProcess> StartRedisAsync()
        {
            ChildProcess child = await ChildProcess.StartAsync(
                "redis",
                options.RedisPath,
                ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"],
                log,
                "Ready to accept connections",
                TimeSpan.FromSeconds(30));
            children.Add(child);
            return child;
        }

        async Task<ChildProcess> StartNodeAsync(string name, int port, string role)
        {
            (string host, string dll) = NodeCommand();
            ChildProcess child = await ChildProcess.StartAsync(
                name,
                host,
                [dll, "node", "--redis", $"127.0.0.1:{redisPort}", "--port", port.ToString(CultureInfo.InvariantCulture), "--role", role,
                 "--rate", options.Rate.ToString(CultureInfo.InvariantCulture), "--history", options.History.ToString(CultureInfo.InvariantCulture), "--prefix", prefix],
                log,
                "ready ",
                TimeSpan.FromSeconds(60));
            children.Add(child);
            return child;
        }

        async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string? what)
        {
            var wait = Stopwatch.StartNew();
            while (!condition())
            {
                if (wait.Elapsed > timeout)
                {
                    if (what is null)
                    {
                        return;
                    }

                    throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s");
                }

                await Task.Delay(100, ct);
            }
        }

        async Task ProgressAsync()
        {
            TimeSpan every = TimeSpan.FromSeconds(Math.Clamp(options.Duration.TotalSeconds / 20, 1, 30));
            try
            {
                while (true)
                {
                    await Task.Delay(every, ct);
                    log.Say(string.Create(
                        CultureInfo.InvariantCulture,
                        $"progress: delivered {clients.Sum(c => c.Delivered)}, on A {clients.Count(c => c.Node == 0)}, on B {clients.Count(c => c.Node == 1)}, reconnects {clients.Sum(c => c.Reconnects)}, resets {clients.Sum(c => c.Resets.Values.Sum())}, duplicates {clients.Sum(c => c.Duplicates)}, unannounced gaps {clients.Sum(c => c.UnannouncedGaps)}, A {nodeA?.RssMiB():0} MiB, B {nodeB?.RssMiB():0} MiB"));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        void Collect()
        {
            result.Delivered = clients.Sum(c => c.Delivered);
            result.Duplicates = clients.Sum(c => c.Duplicates);
            result.DuplicateBodies = clients.Sum(c => c.DuplicateBodies);
            result.DroppedByFeedClient = clients.Sum(c => c.Feed.Duplicates);
            result.UnannouncedGaps = clients.Sum(c => c.UnannouncedGaps);
            result.UnannouncedEpochChanges = clients.Sum(c => c.UnannouncedEpochChanges);
            result.StaleEpochs = clients.Sum(c => c.StaleEpochs);
            result.SilentLosses = clients.Sum(c => c.SilentLosses);
            result.AnnouncedSkipped = clients.Sum(c => c.AnnouncedSkipped);
            result.SkippedInNewEpoch = clients.Sum(c => c.SkippedInNewEpoch);
            result.Reconnects = clients.Sum(c => c.Reconnects);
            result.Ended = clients.Count(c => c.Ended);
            result.NoData = clients.Count(c => c.LastCounter < 0);
            foreach (SoakClient client in clients)
            {
                foreach (KeyValuePair<string, long> reset in client.Resets)
                {
                    result.Resets[reset.Key] = result.Resets.GetValueOrDefault(reset.Key) + reset.Value;
                }
            }

            result.ClientsReset = clients.Count(c => c.Resets.Count > 0);
            result.LatencyP50Ms = latency.Percentile(0.50);
            result.LatencyP99Ms = latency.Percentile(0.99);
            result.LatencyMaxMs = latency.Max();
        }
    }

    /// <summary>How to start this program as a node: the dotnet host and this assembly.</summary>
    private static (string Host, string Dll) NodeCommand()
    {
        string dll = typeof(SoakNode).Assembly.Location;
        string? self = Environment.ProcessPath;
        string host = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        return (host, dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
