using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// A published topic of a <see cref="FeedHub"/>: its source, sequence, history and subscribers.
/// Returned by <c>FeedHub.Publish</c>; disposing it removes the topic (its subscribers receive
/// <c>unsubscribed</c> with reason <c>removed</c>).
/// </summary>
/// <remarks>
/// <para>
/// The source is subscribed when the first subscriber arrives and unsubscribed
/// <see cref="TopicOptions.Linger"/> after the last one left. Each message gets the next sequence
/// number and is serialised and framed once, under the topic's lock, then handed to every live
/// subscriber as the same frame; a subscriber that cannot take it falls behind and a drain of its own
/// sends it what its <see cref="FlowPolicy"/> says (docs/feeds.md).
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed partial class FeedTopic : IDisposable
{
    /// <summary>Guards everything below: the log, the key table, the subscribers and the source's run.</summary>
    private readonly Lock _gate = new();

    private readonly FeedHub _hub;

    /// <summary>The local source, or <see langword="null"/> for a topic relayed from other processes.</summary>
    private readonly TopicSource? _source;

    /// <summary>The topic on the hub's backplane: messages are published through it and come back to <see cref="Receive"/>.</summary>
    private readonly IFeedBackplaneTopic _link;

    /// <summary>Whether the source runs from the start until removal (a shared backplane: subscribers may be on other processes).</summary>
    private readonly bool _alwaysOn;

    private readonly int _maxKeys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _historyAge;
    private readonly TimeSpan _linger;
    private readonly TopicLog _log;
    private readonly Envelopes _envelopes;

    /// <summary>The newest message of every key; created with the first keyed message (or at once for a keyed source).</summary>
    private KeyTable? _keys;

    /// <summary>The epoch <see cref="_last"/> belongs to; changes when the backplane lost the topic's state.</summary>
    private string _epoch;

    /// <summary>Attached subscribers (live or behind, not detached); its count is the source's reference count.</summary>
    private readonly List<TopicSubscriber> _subscribers = [];

    /// <summary>The newest sequence number given out; 0 before the first message.</summary>
    private long _last;

    /// <summary>The current run of the source (incremented at each subscription of it); notifications of other runs are ignored.</summary>
    private int _run;

    /// <summary>Whether the source is subscribed (or being subscribed) for <see cref="_run"/>.</summary>
    private bool _sourceActive;

    /// <summary>The source's subscription of the current run, once <c>Subscribe</c> returned.</summary>
    private IDisposable? _sourceSubscription;

    /// <summary>The linger timer, while the source runs without subscribers.</summary>
    private ITimer? _lingerTimer;

    /// <summary>Tells the current linger timer from one disposed while its callback was already running.</summary>
    private int _lingerGeneration;

    private bool _disposed;

    internal FeedTopic(FeedHub hub, string name, TopicSource? source, TopicOptions options, IFeedBackplane backplane, TimeProvider time, ILogger logger)
    {
        _hub = hub;
        Name = name;
        _source = source;
        _time = time;
        _logger = logger;
        FlowPolicy = options.FlowPolicy;
        Authorize = options.Authorize;
        _historyAge = options.HistoryAge;
        _linger = options.Linger;
        _log = new TopicLog(options.HistoryCount);
        _maxKeys = options.MaxKeys;
        _keys = source is { HasKey: true } ? new KeyTable(_maxKeys) : null;
        _envelopes = new Envelopes(name);
        _alwaysOn = backplane.IsShared;
        _epoch = "";
        _link = backplane.Join(name, options.HistoryCount, new Receiver(this));
        lock (_gate)
        {
            if (_epoch.Length == 0)
            {
                _epoch = _link.Epoch; // nothing received while joining
            }
        }
    }

    /// <summary>The topic's name.</summary>
    public string Name { get; }

    /// <summary>
    /// A token that sequence numbers mean something only with: chosen when the topic was created (a
    /// restarted server has another), or, with a shared backplane, when the backplane first held the
    /// topic (it changes when the backplane lost the topic's state, e.g. Redis restarted).
    /// </summary>
    public string Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>Whether its messages come only from other processes (<c>FeedHub.Relay</c>).</summary>
    public bool IsRelay => _source is null;

    /// <summary>The topic's default flow policy.</summary>
    public FlowPolicy FlowPolicy { get; }

    /// <summary>The newest sequence number (0 before the first message).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>How many subscriptions the topic has now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Whether the source is subscribed now (from the first subscriber until the linger after the last).</summary>
    public bool IsSourceActive
    {
        get
        {
            lock (_gate)
            {
                return _sourceActive;
            }
        }
    }

    /// <summary>How many messages the history holds now.</summary>
    public int HistoryLength
    {
        get
        {
            lock (_gate)
            {
                return _log.Count;
            }
        }
    }

    /// <summary>How many subscribers are behind now (their drain runs); for tests and diagnostics.</summary>
    internal int BehindCount
    {
        get
        {
            lock (_gate)
            {
                int behind = 0;
                foreach (TopicSubscriber subscriber in _subscribers)
                {
                    if (subscriber.State == SubscriberState.Behind)
                    {
                        behind++;
                    }
                }

                return behind;
            }
        }
    }

    /// <summary>The topic's own authorization hook.</summary>
    internal Func<SubscribeContext, System.Threading.CancellationToken, System.Threading.Tasks.ValueTask<SubscribeDecision>>? Authorize { get; }

    /// <summary>
    /// Removes the topic from its hub: the source is unsubscribed and every subscriber receives
    /// <c>unsubscribed</c> with reason <c>removed</c>. Idempotent.
    /// </summary>
    public void Dispose()
    {
        _hub.Remove(this);
        IDisposable? subscription;
        List<TopicSubscriber>? drains;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            subscription = StopSourceLocked(); // no publish runs after this, so the writer can go
            _envelopes.Dispose();
            drains = DetachAllLocked(Envelopes.Unsubscribed(Name, "removed"));
        }

        subscription?.Dispose();
        _link.Dispose();
        StartDrains(drains, waitFirst: true);
    }

    /// <summary>Subscribes the source at once when it runs regardless of subscribers (a shared backplane); called once the hub holds the topic.</summary>
    internal void Start()
    {
        if (_alwaysOn)
        {
            EnsureSource();
        }
    }

    /// <summary>Subscribes the source for a new run if it is not running; called with the lock NOT held.</summary>
    private void EnsureSource()
    {
        int run;
        lock (_gate)
        {
            _lingerTimer?.Dispose();
            _lingerTimer = null;
            if (_sourceActive || _disposed || _source is null || (_subscribers.Count == 0 && !_alwaysOn))
            {
                return;
            }

            _sourceActive = true;
            run = ++_run;
        }

        IDisposable subscription;
        try
        {
            subscription = _source!.Subscribe(this, run); // not null: checked above, and it never changes
        }
        catch (Exception ex)
        {
            EndRun(run, ex);
            return;
        }

        bool keep;
        lock (_gate)
        {
            keep = _run == run && _sourceActive;
            if (keep)
            {
                _sourceSubscription = subscription;
            }
        }

        if (!keep)
        {
            subscription.Dispose(); // the run ended (completed, failed, lingered out) while it was being subscribed
        }
    }

    /// <summary>Ends <paramref name="run"/> when its source completes (<paramref name="error"/> null) or fails: every subscriber is told.</summary>
    internal void EndRun(int run, Exception? error)
    {
        List<TopicSubscriber>? drains;
        IDisposable? subscription;
        lock (_gate)
        {
            if (run != _run || !_sourceActive)
            {
                return;
            }

            subscription = StopSourceLocked();
            drains = DetachAllLocked(Envelopes.Unsubscribed(Name, error is null ? "completed" : "failed"));
        }

        if (error is not null)
        {
            FeedLog.SourceFailed(_logger, Name, error);
        }

        subscription?.Dispose();
        StartDrains(drains, waitFirst: true);
    }

    /// <summary>Stops the current run; returns its subscription to dispose outside the lock.</summary>
    private IDisposable? StopSourceLocked()
    {
        _lingerTimer?.Dispose();
        _lingerTimer = null;
        _sourceActive = false;
        IDisposable? subscription = _sourceSubscription;
        _sourceSubscription = null;
        return subscription;
    }

    /// <summary>After the last subscriber left: unsubscribes the source now, after the linger, or never. Returns what to dispose outside the lock.</summary>
    private IDisposable? LingerLocked()
    {
        if (_alwaysOn || !_sourceActive || _subscribers.Count > 0 || _lingerTimer is not null || _linger == Timeout.InfiniteTimeSpan)
        {
            return null;
        }

        if (_linger == TimeSpan.Zero)
        {
            return StopSourceLocked();
        }

        int generation = ++_lingerGeneration;
        _lingerTimer = _time.CreateTimer(_ => OnLingerElapsed(generation), null, _linger, Timeout.InfiniteTimeSpan);
        return null;
    }

    private void OnLingerElapsed(int generation)
    {
        IDisposable? subscription = null;
        lock (_gate)
        {
            if (_lingerTimer is not null && generation == _lingerGeneration && _subscribers.Count == 0)
            {
                subscription = StopSourceLocked();
            }
        }

        subscription?.Dispose();
    }
}
