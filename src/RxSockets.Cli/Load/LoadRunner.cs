using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli.Load;

/// <summary>
/// The echo load: opens the connections, loads them through the warm-up, measures for the
/// duration, drains and closes. Bounded: it stops by itself after warm-up + duration + a few
/// seconds of draining, and never later than <see cref="LoadOptions.HardCap"/>.
/// </summary>
internal static class LoadRunner
{
    private static readonly TimeSpan s_drain = TimeSpan.FromSeconds(3);

    /// <summary>Runs the echo load; <paramref name="progress"/> gets a line about once a second.</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cap.CancelAfter(LoadOptions.HardCap);
        CancellationToken token = cap.Token;

        var connections = new List<EchoConnection>(options.Connections);
        var loops = new List<Task>(options.Connections);
        try
        {
            await ConnectAllAsync(options, connections, token).ConfigureAwait(false);
            foreach (EchoConnection connection in connections)
            {
                loops.Add(connection.RunAsync(token));
            }

            await WaitAsync(options.Warmup, connections, options, progress, "warm-up", token).ConfigureAwait(false);

            long count0 = Total(connections);
            ProcessStats? server0 = options.ServerPid is int pid0 ? ProcessStats.TryRead(pid0) : null;
            ProcessStats? self0 = ProcessStats.TryRead(Environment.ProcessId);
            long t0 = Stopwatch.GetTimestamp();
            foreach (EchoConnection connection in connections)
            {
                connection.Measuring = true;
            }

            await WaitAsync(options.Duration, connections, options, progress, "measure", token).ConfigureAwait(false);

            foreach (EchoConnection connection in connections)
            {
                connection.Measuring = false;
            }

            long count1 = Total(connections);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            ProcessStats? server1 = options.ServerPid is int pid1 ? ProcessStats.TryRead(pid1) : null;
            ProcessStats? self1 = ProcessStats.TryRead(Environment.ProcessId);

            await Task.WhenAll(connections.Select(c => c.StopAsync(s_drain))).ConfigureAwait(false);

            var latency = new LatencyHistogram();
            foreach (EchoConnection connection in connections)
            {
                latency.Add(connection.Latency);
            }

            long messages = count1 - count0;
            string[] errors = [.. connections.Select(c => c.Error).OfType<string>()];
            double? serverCpu = server0 is { } a && server1 is { } b ? b.CpuSeconds - a.CpuSeconds : null;
            double? selfCpu = self0 is { } c0 && self1 is { } c1 ? c1.CpuSeconds - c0.CpuSeconds : null;
            return new LoadResult
            {
                Server = options.Server,
                Scenario = options.Scenario,
                Mode = "echo",
                Connections = options.Connections,
                Window = options.Window,
                Size = options.Size,
                Seconds = seconds,
                Messages = messages,
                MessagesPerSecond = messages / seconds,
                MegabytesPerSecond = messages * (double)options.Size / seconds / 1e6,
                P50Microseconds = latency.Percentile(50) / 1000.0,
                P99Microseconds = latency.Percentile(99) / 1000.0,
                ServerCpuSecondsPerMillion = serverCpu is double cpu && messages > 0 ? cpu / (messages / 1e6) : null,
                ServerCpuPercent = serverCpu / seconds * 100,
                ClientCpuPercent = selfCpu / seconds * 100,
                ServerRssKiB = server1?.RssKiB,
                Errors = errors.Length,
                FirstError = errors.FirstOrDefault(),
            };
        }
        finally
        {
            foreach (EchoConnection connection in connections)
            {
                connection.Dispose();
            }

            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static async Task ConnectAllAsync(LoadOptions options, List<EchoConnection> connections, CancellationToken token)
    {
        var slots = new SemaphoreSlim(options.ConnectParallelism);
        var pending = new Task<EchoConnection>[options.Connections];
        for (int i = 0; i < options.Connections; i++)
        {
            await slots.WaitAsync(token).ConfigureAwait(false);
            pending[i] = ConnectOneAsync(options, i, slots, token);
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        finally
        {
            foreach (Task<EchoConnection> task in pending)
            {
                if (task.IsCompletedSuccessfully)
                {
                    connections.Add(task.Result);
                }
            }

            slots.Dispose();
        }
    }

    private static async Task<EchoConnection> ConnectOneAsync(LoadOptions options, int id, SemaphoreSlim slots, CancellationToken token)
    {
        try
        {
            return await EchoConnection.ConnectAsync(options, id, token).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Waits <paramref name="duration"/>, printing progress each second; ends early if every connection failed.</summary>
    private static async Task WaitAsync(TimeSpan duration, List<EchoConnection> connections, LoadOptions options, Action<string>? progress, string phase, CancellationToken token)
    {
        long start = Stopwatch.GetTimestamp();
        long lastCount = Total(connections);
        long lastTime = start;
        ProcessStats? lastServer = options.ServerPid is int pid ? ProcessStats.TryRead(pid) : null;
        while (true)
        {
            TimeSpan left = duration - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            long now = Stopwatch.GetTimestamp();
            long count = Total(connections);
            double dt = (now - lastTime) / (double)Stopwatch.Frequency;
            ProcessStats? server = options.ServerPid is int p ? ProcessStats.TryRead(p) : null;
            string cpu = server is { } s1 && lastServer is { } s0 ? string.Create(CultureInfo.InvariantCulture, $"  server CPU {(s1.CpuSeconds - s0.CpuSeconds) / dt * 100,4:0}%  RSS {s1.RssKiB / 1024.0:0} MiB") : "";
            int failed = connections.Count(c => c.Error is not null);
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"[{options.Server}/{options.Scenario}] {phase} {Stopwatch.GetElapsedTime(start).TotalSeconds,5:0.0}s  {(count - lastCount) / dt,10:N0} msgs/s  {(count - lastCount) * (double)options.Size / dt / 1e6,8:N1} MB/s{cpu}{(failed > 0 ? $"  failed connections {failed}" : "")}"));
            lastCount = count;
            lastTime = now;
            lastServer = server;
            if (failed == connections.Count)
            {
                return;
            }
        }
    }

    private static long Total(List<EchoConnection> connections)
    {
        long total = 0;
        foreach (EchoConnection connection in connections)
        {
            total += connection.Received;
        }

        return total;
    }
}
