using System;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace RxSockets;

/// <summary>
/// A shared <see cref="IFeedBackplane"/> on Redis: the topics of every <see cref="FeedHub"/> that
/// uses it, in any process, are one set of topics. Each published message costs one Redis round
/// trip (a script that numbers it, appends it to the topic's history stream, trimmed to
/// <see cref="TopicOptions.HistoryCount"/> with <c>XADD MAXLEN ~</c>, and publishes it to every
/// node); each node frames it once for its own subscribers. A client resumes on any node: every node
/// keeps the same history. Also carries server-wide broadcasts (<see cref="BroadcastAsync"/>).
/// </summary>
/// <remarks>
/// <para>
/// Faults (docs/scale-out.md): Redis unreachable at <see cref="ConnectAsync"/> fails it with
/// <see cref="RedisConnectionException"/>; later the connection is restored by itself and every
/// topic catches up from its history; messages Redis did not keep are counted
/// (<see cref="MessagesLost"/>, <see cref="PublishFailures"/>, <see cref="EpochChanges"/>), logged, and
/// announced to subscribers with a <c>reset</c> notice, never a silent gap.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed partial class RedisFeedBackplane : IFeedBackplane, IAsyncDisposable
{
    /// <summary>The name of the backplane's meter.</summary>
    public const string MeterName = "RxSockets.Redis";

    private readonly ConcurrentDictionary<RedisTopicLink, byte> _links = new();
    private readonly bool _ownsMultiplexer;
    private readonly Meter _meter;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _messagesLost;
    private readonly Counter<long> _epochChanges;
    private readonly Counter<long> _connectionFailures;
    private long _publishFailureCount;
    private long _messagesLostCount;
    private long _epochChangeCount;
    private long _connectionFailureCount;
    private int _disposed;

    /// <summary>Asks quiet topics to check Redis for what they missed, every <see cref="RedisBackplaneOptions.CatchUpInterval"/>.</summary>
    private readonly ITimer _catchUpTimer;

    private RedisFeedBackplane(IConnectionMultiplexer multiplexer, bool ownsMultiplexer, RedisBackplaneOptions options)
    {
        Multiplexer = multiplexer;
        _ownsMultiplexer = ownsMultiplexer;
        KeyPrefix = options.KeyPrefix;
        Database = multiplexer.GetDatabase();
        Logger = options.LoggerFactory?.CreateLogger<RedisFeedBackplane>() ?? NullLogger<RedisFeedBackplane>.Instance;
        _meter = options.MeterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _publishFailures = _meter.CreateCounter<long>("rxsockets.redis.publish.failures", "{message}", "Messages of this node that Redis did not take (lost; announced as a gap).");
        _messagesLost = _meter.CreateCounter<long>("rxsockets.redis.messages.lost", "{message}", "Messages this node never received and Redis no longer held (announced with a reset).");
        _epochChanges = _meter.CreateCounter<long>("rxsockets.redis.epoch.changes", "{change}", "Topics that started a new epoch because Redis lost their state (announced with a reset).");
        _connectionFailures = _meter.CreateCounter<long>("rxsockets.redis.connection.failures", "{failure}", "Connections to Redis that failed (each is restored by itself).");
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        BroadcastChannel = RedisChannel.Literal(KeyPrefix + "broadcast");
        _catchUpTimer = TimeProvider.System.CreateTimer(static state => ((RedisFeedBackplane)state!).CatchUpQuietTopics(), this, options.CatchUpInterval, options.CatchUpInterval);
    }

    /// <summary>The connection to Redis.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The start of every key and channel name (<see cref="RedisBackplaneOptions.KeyPrefix"/>).</summary>
    public string KeyPrefix { get; }

    /// <inheritdoc/>
    /// <value>Always true: other processes publish and receive through the same Redis.</value>
    public bool IsShared => true;

    /// <summary>Messages published on this node that Redis did not take (each makes every node announce a gap).</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailureCount);

    /// <summary>Messages this node's topics never received because Redis no longer held them (each gap is announced with a reset).</summary>
    public long MessagesLost => Interlocked.Read(ref _messagesLostCount);

    /// <summary>How often a topic on this node found a new epoch: Redis lost the topic's state (restarted without persistence, flushed).</summary>
    public long EpochChanges => Interlocked.Read(ref _epochChangeCount);

    /// <summary>How often a connection to Redis failed (each is restored by StackExchange.Redis by itself).</summary>
    public long ConnectionFailures => Interlocked.Read(ref _connectionFailureCount);

    internal IDatabase Database { get; }

    internal ILogger Logger { get; }

    /// <summary>
    /// Connects to Redis. Fails when Redis cannot be reached within
    /// <see cref="RedisBackplaneOptions.ConnectTimeout"/>: a server that starts without its backplane
    /// would serve its own, diverging topics, so this is a clear error rather than a silent retry
    /// (the caller may retry). Once connected, lost connections are restored by themselves.
    /// </summary>
    /// <param name="options">Which Redis and how.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The backplane; dispose it after the hubs that use it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="RedisConnectionException">Redis cannot be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<RedisFeedBackplane> ConnectAsync(RedisBackplaneOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Multiplexer is { } shared)
        {
            await shared.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisFeedBackplane(shared, ownsMultiplexer: false, options);
        }

        ConfigurationOptions configuration = ConfigurationOptions.Parse(options.Configuration!);
        configuration.AbortOnConnectFail = true; // at start only: a clear error (see above)
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException ex)
        {
            throw new RedisConnectionException(
                ex.FailureType,
                CommandFlags.None,
                $"The Redis backplane could not reach Redis at {string.Join(", ", configuration.EndPoints)} within {options.ConnectTimeout.TotalSeconds:0.###} s, so the server does not start with topics of its own that other nodes would not see. Start Redis (or fix RedisBackplaneOptions.Configuration) and try again.",
                ex,
                ex.CommandStatus);
        }

        return new RedisFeedBackplane(multiplexer, ownsMultiplexer: true, options);
    }

    /// <inheritdoc/>
    public IFeedBackplaneTopic Join(string topic, int historyCount, IFeedReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentOutOfRangeException.ThrowIfLessThan(historyCount, 1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var link = new RedisTopicLink(this, topic, historyCount, receiver);
        _links.TryAdd(link, 0);
        return link;
    }

    /// <summary>Waits until every message published through this backplane so far has reached Redis (or failed).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes then.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (RedisTopicLink link in _links.Keys)
        {
            await link.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Leaves every topic and stops receiving broadcasts; closes the connection when the backplane
    /// opened it (not one given in <see cref="RedisBackplaneOptions.Multiplexer"/>). Publishes already
    /// made are waited for. Dispose the hubs and servers that use it first.
    /// </summary>
    /// <returns>A task that completes when it is done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _catchUpTimer.DisposeAsync().ConfigureAwait(false);
        foreach (RedisTopicLink link in _links.Keys)
        {
            await link.FlushAsync().ConfigureAwait(false);
            link.Dispose();
            await link.Completion.ConfigureAwait(false);
        }

        StopBroadcasts();
        Multiplexer.ConnectionFailed -= OnConnectionFailed;
        Multiplexer.ConnectionRestored -= OnConnectionRestored;
        if (_ownsMultiplexer)
        {
            await Multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        _meter.Dispose();
    }

    internal void Leave(RedisTopicLink link) => _links.TryRemove(link, out _);

    internal void PublishFailed(string topic, Exception exception)
    {
        Interlocked.Increment(ref _publishFailureCount);
        _publishFailures.Add(1);
        RedisLog.PublishFailed(Logger, topic, exception);
    }

    internal void MessagesLostOn(string topic, long count, long from, long to)
    {
        Interlocked.Add(ref _messagesLostCount, count);
        _messagesLost.Add(count);
        RedisLog.MessagesLost(Logger, topic, count, from, to);
    }

    internal void EpochChanged(string topic, string oldEpoch, string newEpoch)
    {
        Interlocked.Increment(ref _epochChangeCount);
        _epochChanges.Add(1);
        RedisLog.EpochChanged(Logger, topic, oldEpoch, newEpoch);
    }

    private void CatchUpQuietTopics()
    {
        foreach (RedisTopicLink link in _links.Keys)
        {
            link.CatchUpIfQuiet();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.Increment(ref _connectionFailureCount);
        _connectionFailures.Add(1);
        RedisLog.ConnectionFailed(Logger, e.EndPoint, e.FailureType, e.Exception);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        RedisLog.ConnectionRestored(Logger, e.EndPoint);
        foreach (RedisTopicLink link in _links.Keys)
        {
            link.RequestCatchUp();
        }
    }
}
