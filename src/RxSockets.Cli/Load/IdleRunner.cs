using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli.Load;

/// <summary>
/// Idle mode: opens N connections (handshake only), holds them without traffic, and reports the
/// server's RSS growth per connection and its CPU per handshake, then closes them all with 1000.
/// Two arrival patterns: all at once (a burst, <see cref="LoadOptions.ConnectParallelism"/> at a
/// time), or stepped (<see cref="LoadOptions.IdleStep"/> at a time with a pause after each step,
/// as clients of a real service arrive), since a server's memory per connection can depend on how
/// its clients come.
/// </summary>
internal static class IdleRunner
{
    /// <summary>Runs the idle measurement; <paramref name="progress"/> gets a line about once a second.</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int count = options.Idle ?? throw new ArgumentException("Idle mode needs a connection count.", nameof(options));
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cap.CancelAfter(LoadOptions.HardCap);
        CancellationToken token = cap.Token;

        var sockets = new ConcurrentBag<Socket>();
        var errors = new ConcurrentQueue<string>();
        try
        {
            ProcessStats? before = options.ServerPid is int pid0 ? ProcessStats.TryRead(pid0) : null;
            long t0 = Stopwatch.GetTimestamp();
            int step = options.IdleStep ?? count;
            for (int first = 0; first < count; first += step)
            {
                int size = Math.Min(step, count - first);
                using (var slots = new SemaphoreSlim(options.ConnectParallelism))
                {
                    var pending = new Task[size];
                    for (int i = 0; i < size; i++)
                    {
                        await slots.WaitAsync(token).ConfigureAwait(false);
                        pending[i] = OpenAsync(options, slots, sockets, errors, token);
                        if ((first + i) % 1000 == 999)
                        {
                            progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"[{options.Server}/{options.Scenario}] opened {sockets.Count:N0} of {count:N0}"));
                        }
                    }

                    await Task.WhenAll(pending).ConfigureAwait(false);
                }

                if (options.IdleStep is not null && first + size < count)
                {
                    await Task.Delay(options.IdlePause, token).ConfigureAwait(false);
                }
            }

            double openSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            ProcessStats? opened = options.ServerPid is int pid1 ? ProcessStats.TryRead(pid1) : null;
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"[{options.Server}/{options.Scenario}] {sockets.Count:N0} idle connections open in {openSeconds:0.0} s; holding {options.IdleHold.TotalSeconds:0} s"));
            await Task.Delay(options.IdleHold, token).ConfigureAwait(false);
            ProcessStats? held = options.ServerPid is int pid2 ? ProcessStats.TryRead(pid2) : null;

            int open = sockets.Count;
            return new LoadResult
            {
                Server = options.Server,
                Scenario = options.Scenario,
                Mode = "idle",
                Connections = open,
                Seconds = openSeconds,
                ServerRssKiB = held?.RssKiB,
                IdleRssKiBPerConnection = before is { } b && held is { } h && open > 0 ? (h.RssKiB - b.RssKiB) / (double)open : null,
                HandshakeCpuMicroseconds = before is { } b2 && opened is { } o && open > 0 ? (o.CpuSeconds - b2.CpuSeconds) / open * 1e6 : null,
                Errors = errors.Count,
                FirstError = errors.FirstOrDefault(),
            };
        }
        finally
        {
            await CloseAllAsync(sockets).ConfigureAwait(false);
        }
    }

    private static async Task OpenAsync(LoadOptions options, SemaphoreSlim slots, ConcurrentBag<Socket> sockets, ConcurrentQueue<string> errors, CancellationToken token)
    {
        try
        {
            (Socket socket, _) = await RawHandshake.ConnectAsync(options.Host, options.Port, options.Path, token).ConfigureAwait(false);
            sockets.Add(socket);
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            errors.Enqueue(ex.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Sends a masked close 1000 on every socket, half-closes, and gives the server a moment before dropping them.</summary>
    private static async Task CloseAllAsync(ConcurrentBag<Socket> sockets)
    {
        byte[] close = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]; // a zero mask key leaves the code as it is
        foreach (Socket socket in sockets)
        {
            try
            {
                socket.Send(close);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The server already dropped it: nothing to close politely.
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        foreach (Socket socket in sockets)
        {
            socket.Dispose();
        }
    }
}
