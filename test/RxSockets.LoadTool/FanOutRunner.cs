using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Cli.Load;

namespace RxSockets.LoadTool;

/// <summary>What a fan-out run does (issue 21). Always 127.0.0.1; stops by itself.</summary>
public sealed class FanOutOptions
{
    public FanOutServer Server { get; set; } = FanOutServer.RxSockets;

    /// <summary>The label in the output (defaults to the server kind).</summary>
    public string? Label { get; set; }

    /// <summary>The server's port; with <see cref="Ports"/>, the first of them (node A: the publisher's).</summary>
    public int Port { get; set; } = 9201;

    /// <summary>
    /// Several server processes (nodes) of one cluster, e.g. two nodes on one Redis (issue 22): subscriber
    /// i connects to <c>Ports[i % Ports.Count]</c>, the publisher to the first. Null: everything on <see cref="Port"/>.
    /// </summary>
    public IReadOnlyList<int>? Ports { get; set; }

    /// <summary>Subscriber connections (N).</summary>
    public int Subscribers { get; set; } = 5000;

    /// <summary>Messages the publisher sends per second.</summary>
    public double Rate { get; set; } = 10;

    /// <summary>Payload size (the publisher's text; about 75 bytes of JSON-like text by default).</summary>
    public int Size { get; set; } = 75;

    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Extra subscribers that connect (with a 4 KiB receive buffer) and never read: frozen browser
    /// tabs. They are not counted; the readers must still get everything, and the server's memory stay bounded.
    /// </summary>
    public int Stalled { get; set; }

    /// <summary>Handshakes in progress at once while subscribers connect.</summary>
    public int ConnectParallelism { get; set; } = 64;

    /// <summary>The server process (node A) whose CPU and RSS are measured.</summary>
    public int? ServerPid { get; set; }

    /// <summary>More server processes (the other nodes): their CPU is added to the server's, their RSS reported per node.</summary>
    public IReadOnlyList<int> MoreServerPids { get; set; } = [];

    /// <summary>redis-server's PID: its CPU is added to the servers' (and reported on its own).</summary>
    public int? RedisPid { get; set; }

    /// <summary>redis-server's port on 127.0.0.1: its <c>INFO commandstats</c> is read before and after the window.</summary>
    public int? RedisPort { get; set; }

    public bool Json { get; set; }

    /// <summary>The port of subscriber <paramref name="id"/>.</summary>
    public int SubscriberPort(int id) => Ports is { Count: > 0 } ports ? ports[id % ports.Count] : Port;

    /// <summary>The publisher's port (node A).</summary>
    public int PublisherPort => Ports is { Count: > 0 } ports ? ports[0] : Port;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Subscribers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Stalled);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Subscribers, 50_000);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Rate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Rate, 100_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, FanOutProtocol.FixedLength);
        if (Warmup + Duration > LoadOptions.HardCap - TimeSpan.FromMinutes(2))
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), "A fan-out run is capped at five minutes, connecting and draining included.");
        }
    }
}

/// <summary>
/// What a fan-out run measured. <see cref="Missing"/> counts, over all subscribers, the messages skipped
/// between two received ones (<see cref="Gaps"/>: lost) plus those that had not arrived 10 s after the
/// publisher stopped (a server that fell behind and is still sending its backlog).
/// </summary>
public sealed record FanOutResult(
    string Server, int Subscribers, int Stalled, int Connected, double Rate, int Size, double Seconds, long Published,
    long Delivered, double DeliveredPerSecond, double? CpuMicrosecondsPerMessage, double? ServerCpuPercent,
    double? ClientCpuPercent, double P50Milliseconds, double P99Milliseconds, double? ServerRssMegabytes,
    long Missing, long Duplicates, int Ended, string? FirstProblem,
    int Nodes = 1, IReadOnlyList<double>? NodeRssMegabytes = null, double? RedisCpuMicrosecondsPerMessage = null,
    double? RedisCommandsPerMessage = null, string? RedisCommands = null, long? Gaps = null)
{
    public string ToJson()
    {
        static string N(double? value) => value is double v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "null";
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"server\":\"{Server}\",\"subscribers\":{Subscribers},\"stalled\":{Stalled},\"connected\":{Connected},\"rate\":{N(Rate)},\"size\":{Size},\"seconds\":{N(Seconds)}," +
            $"\"published\":{Published},\"delivered\":{Delivered},\"delivered_per_s\":{N(DeliveredPerSecond)},\"cpu_us_per_msg\":{N(CpuMicrosecondsPerMessage)}," +
            $"\"server_cpu_pct\":{N(ServerCpuPercent)},\"client_cpu_pct\":{N(ClientCpuPercent)},\"p50_ms\":{N(P50Milliseconds)},\"p99_ms\":{N(P99Milliseconds)}," +
            $"\"rss_mb\":{N(ServerRssMegabytes)},\"missing\":{Missing},\"gaps\":{(Gaps is long g ? g.ToString(CultureInfo.InvariantCulture) : "null")},\"duplicates\":{Duplicates},\"ended\":{Ended}," +
            $"\"nodes\":{Nodes},\"rss_mb_nodes\":{(NodeRssMegabytes is null ? "null" : $"[{string.Join(',', NodeRssMegabytes.Select(r => N(r)))}]")}," +
            $"\"redis_cpu_us_per_msg\":{N(RedisCpuMicrosecondsPerMessage)},\"redis_commands_per_msg\":{N(RedisCommandsPerMessage)}," +
            $"\"redis_commands\":{(RedisCommands is null ? "null" : $"\"{RedisCommands}\"")}," +
            $"\"first_problem\":{(FirstProblem is null ? "null" : $"\"{FirstProblem.Replace("\"", "'", StringComparison.Ordinal)}\"")}}}");
    }

    public string ToTable()
    {
        string main = string.Create(CultureInfo.InvariantCulture,
            $"{Server}: {Connected}/{Subscribers} subscribers ({Stalled} stalled besides), {Rate} msgs/s of {Size} B for {Seconds:0.#} s: {Delivered:N0} delivered ({DeliveredPerSecond:N0}/s), " +
            $"server CPU {CpuMicrosecondsPerMessage:0.00} µs/msg ({ServerCpuPercent:0}% of a core), p50 {P50Milliseconds:0.00} ms, p99 {P99Milliseconds:0.00} ms, " +
            $"RSS {ServerRssMegabytes:0} MB, missing {Missing} (gaps {Gaps}), duplicates {Duplicates}, ended {Ended}{(FirstProblem is null ? "" : $" ({FirstProblem})")}, driver CPU {ClientCpuPercent:0}%");
        if (Nodes == 1 && RedisCommands is null)
        {
            return main + "\n";
        }

        string rss = NodeRssMegabytes is null ? "-" : string.Join(" / ", NodeRssMegabytes.Select(r => r.ToString("0", CultureInfo.InvariantCulture)));
        return main + string.Create(CultureInfo.InvariantCulture,
            $"; {Nodes} nodes (RSS {rss} MB), redis-server CPU {RedisCpuMicrosecondsPerMessage:0.00} µs/msg (in the total), " +
            $"Redis commands per published message {RedisCommandsPerMessage:0.00} ({RedisCommands})\n");
    }
}

/// <summary>
/// The fan-out run: N subscribers on raw sockets, then one publisher at a fixed rate; after a
/// warm-up, counts what the subscribers receive for the duration, with the server's CPU and RSS
/// from /proc, then stops publishing and waits (at most 10 s) for the last messages to arrive.
/// </summary>
public static class FanOutRunner
{
    public static async Task<FanOutResult> RunAsync(FanOutOptions options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cap.CancelAfter(LoadOptions.HardCap);
        CancellationToken token = cap.Token;
        var measure = new FanOutMeasure();
        List<int> nodePids = options.ServerPid is int serverPid ? [serverPid, .. options.MoreServerPids] : [.. options.MoreServerPids];
        long published = 0;
        var subscribers = new List<FanOutConnection>(options.Subscribers);
        var stalled = new List<FanOutConnection>(options.Stalled);
        var loops = new List<Task>(options.Subscribers + 1);
        FanOutConnection? publisher = null;
        string? problem = null;
        try
        {
            // Subscribers, a few handshakes at a time.
            var watch = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(options.ConnectParallelism))
            {
                Task<FanOutConnection?>[] connecting = [.. Enumerable.Range(0, options.Subscribers).Select(async id =>
                {
                    await gate.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        return await FanOutConnection.ConnectAsync(options.SubscriberPort(id), options.Server, id, publisher: false, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
                    {
                        problem ??= $"connect: {ex.Message}";
                        return null;
                    }
                    finally
                    {
                        gate.Release();
                    }
                })];
                foreach (FanOutConnection? connection in await Task.WhenAll(connecting).ConfigureAwait(false))
                {
                    if (connection is not null)
                    {
                        subscribers.Add(connection);
                        loops.Add(connection.RunAsync(measure, token));
                    }
                }
            }

            await Task.WhenAll(subscribers.Select(s => s.Ready)).WaitAsync(TimeSpan.FromSeconds(60), token).ConfigureAwait(false);
            for (int i = 0; i < options.Stalled; i++)
            {
                // Connected last, so the readers' subscriptions are all in place; they never read.
                stalled.Add(await FanOutConnection.ConnectAsync(options.SubscriberPort(i), options.Server, options.Subscribers + 1 + i, publisher: false, token, stalled: true).ConfigureAwait(false));
            }

            progress?.Invoke($"{subscribers.Count} subscribers (and {stalled.Count} stalled ones) connected in {watch.Elapsed.TotalSeconds:0.0} s");

            publisher = await FanOutConnection.ConnectAsync(options.PublisherPort, options.Server, options.Subscribers, publisher: true, token).ConfigureAwait(false);
            loops.Add(publisher.RunAsync(measure, token));
            await publisher.Ready.WaitAsync(TimeSpan.FromSeconds(30), token).ConfigureAwait(false);

            using var stopPublishing = CancellationTokenSource.CreateLinkedTokenSource(token);
            Task<string?> publishing = PublishAsync(publisher, options, () => Interlocked.Increment(ref published), stopPublishing.Token);
            Task keepAlive = options.Server == FanOutServer.SignalR ? SignalRPingsAsync([.. subscribers, .. stalled], publisher, stopPublishing.Token) : Task.CompletedTask;

            await Task.Delay(options.Warmup, token).ConfigureAwait(false);
            Dictionary<string, long>? redisBefore = options.RedisPort is int redisPort ? await FanOutRedisStats.ReadAsync(redisPort, token).ConfigureAwait(false) : null;
            long publishedBefore = Interlocked.Read(ref published);
            ProcessStats?[] nodesBefore = [.. nodePids.Select(p => (ProcessStats?)ProcessStats.TryRead(p))];
            ProcessStats? redisCpuBefore = options.RedisPid is int rp ? ProcessStats.TryRead(rp) : null;
            ProcessStats? clientBefore = ProcessStats.TryRead(Environment.ProcessId);
            long deliveredBefore = subscribers.Sum(s => s.Received);
            measure.Measuring = true;
            var window = Stopwatch.StartNew();
            for (TimeSpan left = options.Duration; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(1))
            {
                await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                progress?.Invoke($"{window.Elapsed.TotalSeconds:0} s: {subscribers.Sum(s => s.Received) - deliveredBefore:N0} delivered");
            }

            double seconds = window.Elapsed.TotalSeconds;
            long deliveredAfter = subscribers.Sum(s => s.Received);
            measure.Measuring = false;
            ProcessStats?[] nodesAfter = [.. nodePids.Select(p => (ProcessStats?)ProcessStats.TryRead(p))];
            ProcessStats? redisCpuAfter = options.RedisPid is int rp2 ? ProcessStats.TryRead(rp2) : null;
            ProcessStats? clientAfter = ProcessStats.TryRead(Environment.ProcessId);
            long publishedInWindow = Interlocked.Read(ref published) - publishedBefore;
            Dictionary<string, long>? redisAfter = options.RedisPort is int redisPort2 ? await FanOutRedisStats.ReadAsync(redisPort2, token).ConfigureAwait(false) : null;

            await stopPublishing.CancelAsync().ConfigureAwait(false);
            problem ??= await publishing.ConfigureAwait(false);
            await keepAlive.ConfigureAwait(false);
            long last = Interlocked.Read(ref published);
            for (int i = 0; i < 100 && subscribers.Any(s => s.Ended is null && s.LastSeq < last); i++)
            {
                await Task.Delay(100, token).ConfigureAwait(false); // the last messages in flight
            }

            long delivered = deliveredAfter - deliveredBefore;
            LatencyHistogram latency = measure.Merged();
            // CPU over every node and redis-server: null when any of them could not be read.
            double? Cpu(ProcessStats? before, ProcessStats? after) => before is { } b && after is { } a ? a.CpuSeconds - b.CpuSeconds : null;
            double? redisCpu = options.RedisPid is null ? 0 : Cpu(redisCpuBefore, redisCpuAfter);
            double? serverCpu = nodePids.Count == 0 ? null : redisCpu;
            for (int i = 0; i < nodePids.Count; i++)
            {
                serverCpu = Cpu(nodesBefore[i], nodesAfter[i]) is double c ? serverCpu + c : null;
            }

            double? cpu = serverCpu is double sc && delivered > 0 ? sc * 1e6 / delivered : null;
            (double Total, string Breakdown)? redisCommands = redisBefore is not null && redisAfter is not null
                ? FanOutRedisStats.PerMessage(redisBefore, redisAfter, publishedInWindow)
                : null;
            return new FanOutResult(
                options.Label ?? options.Server.ToString().ToLowerInvariant(),
                options.Subscribers,
                options.Stalled,
                subscribers.Count,
                options.Rate,
                options.Size,
                seconds,
                last,
                delivered,
                delivered / seconds,
                cpu,
                serverCpu * 100 / seconds,
                clientBefore is { } cb && clientAfter is { } ca ? (ca.CpuSeconds - cb.CpuSeconds) * 100 / seconds : null,
                latency.Percentile(50) / 1e6,
                latency.Percentile(99) / 1e6,
                nodesAfter.Length > 0 ? nodesAfter[0]?.RssKiB / 1024.0 : null,
                subscribers.Sum(s => s.Missing + Math.Max(0, last - Math.Max(s.LastSeq, 0))),
                subscribers.Sum(s => s.Duplicates),
                subscribers.Count(s => s.Ended is not null),
                problem ?? subscribers.FirstOrDefault(s => s.Ended is not null)?.Ended,
                Math.Max(1, options.Ports?.Count ?? 1),
                nodePids.Count > 1 ? [.. nodesAfter.Select(n => (n?.RssKiB ?? 0) / 1024.0)] : null,
                options.RedisPid is null ? null : redisCpu is double r && delivered > 0 ? r * 1e6 / delivered : null,
                redisCommands?.Total,
                redisCommands?.Breakdown,
                subscribers.Sum(s => s.Missing));
        }
        finally
        {
            await cap.CancelAsync().ConfigureAwait(false);
            publisher?.Dispose();
            foreach (FanOutConnection subscriber in subscribers.Concat(stalled))
            {
                subscriber.Dispose();
            }

            await Task.WhenAll(loops).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a message every 1/rate seconds (a PeriodicTimer: late ticks are not made up in a burst).</summary>
    private static async Task<string?> PublishAsync(FanOutConnection publisher, FanOutOptions options, Func<long> next, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.Rate));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                long seq = next();
                await publisher.SendAsync(FanOutProtocol.Message(options.Server, seq, options.Size), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return $"publisher: {ex.Message}";
        }

        return null;
    }

    /// <summary>SignalR closes clients that send nothing for 30 s: every connection pings every 10 s.</summary>
    private static async Task SignalRPingsAsync(List<FanOutConnection> subscribers, FanOutConnection publisher, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (FanOutConnection connection in subscribers.Append(publisher))
                {
                    try
                    {
                        await connection.SendAsync(FanOutProtocol.SignalRPing, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
                    {
                        // The server closed this one: its receive loop reports how.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
