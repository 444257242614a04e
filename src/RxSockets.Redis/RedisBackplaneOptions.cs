using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RxSockets;

/// <summary>
/// Settings of a <see cref="RedisFeedBackplane"/>: which Redis, under which key prefix, where logs
/// and metrics go. A plain options type: bind it from configuration (<c>services.Configure&lt;RedisBackplaneOptions&gt;(…)</c>)
/// or set it in code.
/// </summary>
/// <remarks>Set before <see cref="RedisFeedBackplane.ConnectAsync"/>; not to be changed afterwards.</remarks>
public sealed class RedisBackplaneOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string such as <c>"127.0.0.1:6379"</c> or
    /// <c>"redis1:6379,redis2:6379,password=…,ssl=true"</c>; used when <see cref="Multiplexer"/> is null.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// A connection to use instead of <see cref="Configuration"/> (an app that already has one
    /// shares it); the backplane does not dispose it. <see langword="null"/> by default.
    /// </summary>
    public IConnectionMultiplexer? Multiplexer { get; set; }

    /// <summary>
    /// The start of every key and channel name the backplane uses, so several apps (or test runs)
    /// share one Redis: a topic <c>t</c> lives in <c>{prefix}feeds:{t}:meta</c> (a hash: epoch and
    /// newest sequence) and <c>{prefix}feeds:{t}:log</c> (a stream: the history), and is published on
    /// channel <c>{prefix}feeds:{t}</c>; broadcasts go on <c>{prefix}broadcast</c>. The braces make
    /// a topic's keys one Redis Cluster hash slot. Default <c>"rxsockets:"</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "rxsockets:";

    /// <summary>How long <see cref="RedisFeedBackplane.ConnectAsync"/> tries to reach Redis before it fails. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a topic that heard nothing on its channel checks Redis for messages it missed (one
    /// small script call per quiet topic and node). A busy topic notices a miss at its next message;
    /// this bounds how long a miss just before a quiet period (a reconnect racing a last publish) stays
    /// unseen. Default 2 s.
    /// </summary>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Where logs go (connection failures, lost messages, epoch changes); <see langword="null"/> for none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Where the meter <c>RxSockets.Redis</c> is created (its counters are in docs/scale-out.md); <see langword="null"/> for a meter of its own.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Checks the values and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">Neither <see cref="Configuration"/> nor <see cref="Multiplexer"/> is set, or <see cref="KeyPrefix"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ConnectTimeout"/> or <see cref="CatchUpInterval"/> is not positive.</exception>
    public void Validate()
    {
        if (Multiplexer is null && string.IsNullOrWhiteSpace(Configuration))
        {
            throw new ArgumentException("Set RedisBackplaneOptions.Configuration (e.g. \"127.0.0.1:6379\") or RedisBackplaneOptions.Multiplexer.", nameof(Configuration));
        }

        if (KeyPrefix is null)
        {
            throw new ArgumentException("KeyPrefix must not be null (it may be empty).", nameof(KeyPrefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CatchUpInterval, TimeSpan.Zero);
    }
}
