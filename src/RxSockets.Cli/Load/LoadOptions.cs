using System;

namespace RxSockets.Cli.Load;

/// <summary>
/// What one echo load run does: the load tool's (test/RxSockets.LoadTool, always 127.0.0.1) and
/// <c>rxsockets bench</c>'s (any <c>ws://</c> host).
/// </summary>
internal sealed class LoadOptions
{
    /// <summary>The hard cap on any run, whatever the other settings say.</summary>
    public static readonly TimeSpan HardCap = TimeSpan.FromMinutes(5);

    /// <summary>The server's host name or address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The server's port.</summary>
    public int Port { get; set; } = 9001;

    /// <summary>The request path of the handshake.</summary>
    public string Path { get; set; } = "/";

    /// <summary>Connections (C).</summary>
    public int Connections { get; set; } = 64;

    /// <summary>Messages in flight per connection (W).</summary>
    public int Window { get; set; } = 16;

    /// <summary>Payload size in bytes (S).</summary>
    public int Size { get; set; } = 64;

    /// <summary>Send text frames (ASCII payload) instead of binary ones.</summary>
    public bool Text { get; set; }

    /// <summary>Load before the measurement starts (JIT tiering, buffers, TCP windows).</summary>
    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The measurement (D).</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The server process whose CPU time and RSS are read from /proc, if any.</summary>
    public int? ServerPid { get; set; }

    /// <summary>Idle mode: open this many connections, hold them, and report the server's cost per connection.</summary>
    public int? Idle { get; set; }

    /// <summary>
    /// Idle mode, stepped pattern: open the connections this many at a time, pausing
    /// <see cref="IdlePause"/> after each step (null: all at once, <see cref="ConnectParallelism"/> at a time).
    /// </summary>
    public int? IdleStep { get; set; }

    /// <summary>Idle mode, stepped pattern: the pause after each step.</summary>
    public TimeSpan IdlePause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Idle mode: how long the connections are held before RSS is read.</summary>
    public TimeSpan IdleHold { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Handshakes in progress at once (idle mode and connection setup).</summary>
    public int ConnectParallelism { get; set; } = 32;

    /// <summary>Labels copied into the JSON output (for compare.sh).</summary>
    public string Server { get; set; } = "server";

    /// <summary>Scenario label copied into the JSON output.</summary>
    public string Scenario { get; set; } = "echo";

    /// <summary>Print one JSON object on standard output (the table goes to standard error).</summary>
    public bool Json { get; set; }

    /// <summary>Print a progress line every second.</summary>
    public bool Progress { get; set; } = true;

    /// <summary>Checks the ranges; throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(Connections, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Connections, 10_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(Window, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Window, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(Size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Size, 64 * 1024 * 1024);
        if (Idle is int idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(idle, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(idle, 50_000);
            if (IdleStep is int step)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
                if (IdlePause * ((idle + step - 1) / step) + IdleHold > HardCap)
                {
                    throw new ArgumentException($"The steps' pauses and the hold exceed the hard cap of {HardCap.TotalMinutes:0} minutes.");
                }
            }
        }

        if (Warmup + Duration + IdleHold > HardCap)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), $"A run is capped at {HardCap.TotalSeconds} s.");
        }
    }
}
