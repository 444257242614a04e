using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Soak;

/// <summary>
/// One soak client: a <see cref="FeedClient"/> subscribed to the soak topic over a reconnecting
/// connection whose connect function tries the client's own node first and the other one when it
/// is down (what a load balancer does), and a check of every item it delivers.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="FeedItem"/> carries no epoch, so the client also watches the connection's raw
/// messages for the epoch (<c>subscribed</c> and <c>reset</c> carry it). The raw observer subscribes
/// after the <see cref="FeedClient"/>, so for each server message the feed client delivers first
/// and the epoch is updated after; a data item is checked against the epoch of the messages before it.
/// </para>
/// <para>
/// The checks, per client: a data item whose (epoch, seq) is not newer than the last one of that
/// epoch is a duplicate; within an epoch, seq must be the last seq + 1 unless a reset came in
/// between (else an unannounced gap); a data item of another epoch must follow a reset (else an
/// unannounced epoch change); an epoch seen before is a stale epoch. The publisher's counter in the
/// body checks what the numbers cannot: a counter step over consecutive sequence numbers with no
/// reset is a message lost before Redis numbered it (a silent loss), a counter not newer than the
/// last is the same message twice under two numbers (a duplicate body). A counter step after a reset
/// is what the reset announced (counted, not a failure).
/// </para>
/// <para>Items of one connection arrive one at a time, so the state needs no lock; totals are read after the run.</para>
/// </remarks>
internal sealed class SoakClient : IAsyncDisposable
{
    private const int MaxEvidence = 5;

    private readonly SoakLog _log;
    private readonly LatencyHistogram _latency;
    private readonly HashSet<string> _pastEpochs = new(StringComparer.Ordinal);
    private readonly IDisposable _raw;
    private readonly IDisposable _states;
    private IDisposable? _items;
    private int _evidence;

    // The check's state.
    private string? _epoch;
    private string? _lastEpoch;
    private long _lastSeq;
    private long _lastCounter = -1;
    private bool _resetPending;
    private long _lastCounterPublic = -1;

    public SoakClient(int id, Uri[] nodes, int home, ReconnectOptions reconnect, SoakLog log, LatencyHistogram latency)
    {
        Id = id;
        Home = home;
        _log = log;
        _latency = latency;
        var options = new WebSocketClientOptions { Subprotocols = [FeedHub.Subprotocol] };
        ReconnectingWebSocket socket = WebSocketClient.Reconnecting(
            async ct =>
            {
                // The client's node first, then the other: a load balancer sends a reconnect to a node that is up.
                Exception? failure = null;
                for (int i = 0; i < nodes.Length; i++)
                {
                    int node = (home + i) % nodes.Length;
                    try
                    {
                        WebSocketConnection connection = await WebSocketClient.ConnectAsync(nodes[node], options, ct);
                        Volatile.Write(ref _node, node);
                        return connection;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        failure = ex;
                    }
                }

                throw failure!;
            },
            reconnect);
        Feed = new FeedClient(socket);
        _raw = socket.Subscribe(OnRaw);
        _states = socket.StateChanges.Subscribe(status =>
        {
            if (status.State == ReconnectState.Open)
            {
                Interlocked.Increment(ref _opens);
            }
        });
    }

    public int Id { get; }

    public int Home { get; }

    public FeedClient Feed { get; }

    /// <summary>The node of the current (or last) connection.</summary>
    public int Node => Volatile.Read(ref _node);

    private int _node = -1;
    private long _opens;

    public long Reconnects => Math.Max(0, Interlocked.Read(ref _opens) - 1);

    public long Delivered { get; private set; }

    public long Duplicates { get; private set; }

    public long DuplicateBodies { get; private set; }

    public long UnannouncedGaps { get; private set; }

    public long UnannouncedEpochChanges { get; private set; }

    public long StaleEpochs { get; private set; }

    public long SilentLosses { get; private set; }

    /// <summary>Messages a reset announced as missed (the counter's step over a reset).</summary>
    public long AnnouncedSkipped { get; private set; }

    /// <summary>Of <see cref="AnnouncedSkipped"/>, numbers of a new epoch before the snapshot a reset began it with (messages in that epoch's history, not sent: reset then snapshot; or a number a failed publish skipped).</summary>
    public long SkippedInNewEpoch { get; private set; }

    public long FirstCounter { get; private set; } = -1;

    /// <summary>The newest counter delivered (readable while running).</summary>
    public long LastCounter => Interlocked.Read(ref _lastCounterPublic);

    public Dictionary<string, long> Resets { get; } = new(StringComparer.Ordinal);

    public bool Ended { get; private set; }

    public Exception? Error { get; private set; }

    /// <summary>Subscribes to the topic (the feed client connects and sends the subscription).</summary>
    public void Start() => _items = Feed.Topic(SoakNode.Topic).Subscribe(OnItem, e =>
    {
        Error = e;
        Ended = true;
        _log.Say($"client {Id}: topic failed: {e.GetType().Name}: {e.Message}");
    }, () =>
    {
        Ended = true;
        _log.Write($"client {Id}: topic completed");
    });

    public async ValueTask DisposeAsync()
    {
        _items?.Dispose();
        _states.Dispose();
        _raw.Dispose();
        await Feed.DisposeAsync();
    }

    /// <summary>Follows the epoch: <c>subscribed</c> and <c>reset</c> carry it; data messages (the bulk) are skipped by their prefix.</summary>
    private void OnRaw(Message message)
    {
        if (message.Type != MessageType.Text)
        {
            return;
        }

        string text = message.Text;
        if (text.StartsWith("{\"type\":\"data\"", StringComparison.Ordinal))
        {
            return;
        }

        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement root = document.RootElement;
        if (root.TryGetProperty("epoch"u8, out JsonElement epoch) && epoch.ValueKind == JsonValueKind.String
            && root.TryGetProperty("type"u8, out JsonElement type) && type.GetString() is "subscribed" or "reset")
        {
            _epoch = epoch.GetString();
        }
    }

    private void OnItem(FeedItem item)
    {
        if (item.Kind == FeedItemKind.Reset)
        {
            string reason = item.Reason ?? "(none)";
            Resets[reason] = Resets.GetValueOrDefault(reason) + 1;
            _resetPending = true;
            return;
        }

        string body = item.Data.GetString() ?? "";
        int space = body.IndexOf(' ', StringComparison.Ordinal);
        long counter = long.Parse(body.AsSpan(0, space), CultureInfo.InvariantCulture);
        long published = long.Parse(body.AsSpan(space + 1), CultureInfo.InvariantCulture);
        _latency.Add(System.Diagnostics.Stopwatch.GetElapsedTime(published));

        string epoch = _epoch ?? "?";
        long seq = item.Sequence;
        if (_lastEpoch is not null)
        {
            if (epoch == _lastEpoch)
            {
                if (seq <= _lastSeq)
                {
                    Duplicates++;
                    Evidence($"duplicate: seq {seq} of epoch {epoch} after seq {_lastSeq} (counter {counter}, last {_lastCounter})");
                    return;
                }

                if (seq != _lastSeq + 1 && !_resetPending)
                {
                    UnannouncedGaps++;
                    Evidence($"unannounced gap: seq {_lastSeq} then {seq} in epoch {epoch}, no reset (counters {_lastCounter} then {counter})");
                }
            }
            else
            {
                if (_pastEpochs.Contains(epoch))
                {
                    StaleEpochs++;
                    Evidence($"stale epoch: seq {seq} of epoch {epoch}, which ended before {_lastEpoch}");
                }

                if (seq > 1 && _resetPending)
                {
                    SkippedInNewEpoch += seq - 1; // 1..seq-1 of the new epoch: in its history (or skipped by a failed publish); the reset's snapshot starts after them
                }

                if (!_resetPending)
                {
                    UnannouncedEpochChanges++;
                    Evidence($"epoch change without reset: {_lastEpoch} seq {_lastSeq} then {epoch} seq {seq}");
                }

                _pastEpochs.Add(_lastEpoch);
            }

            if (counter <= _lastCounter)
            {
                DuplicateBodies++;
                Evidence($"duplicate body: counter {counter} after {_lastCounter} (seq {seq} of epoch {epoch}, last seq {_lastSeq} of {_lastEpoch})");
                _lastEpoch = epoch;
                _lastSeq = seq;
                _resetPending = false;
                return;
            }

            if (counter != _lastCounter + 1)
            {
                if (_resetPending)
                {
                    AnnouncedSkipped += counter - _lastCounter - 1;
                }
                else if (epoch == _lastEpoch && seq == _lastSeq + 1)
                {
                    SilentLosses += counter - _lastCounter - 1;
                    Evidence($"silent loss: counters {_lastCounter + 1}..{counter - 1} missing between seq {_lastSeq} and {seq} of epoch {epoch}, no reset");
                }
            }
        }
        else
        {
            FirstCounter = counter;
        }

        Delivered++;
        _lastEpoch = epoch;
        _lastSeq = seq;
        _lastCounter = counter;
        Interlocked.Exchange(ref _lastCounterPublic, counter);
        _resetPending = false;
    }

    private void Evidence(string what)
    {
        if (_evidence++ < MaxEvidence)
        {
            _log.Say($"client {Id} (home {(char)('A' + Home)}, on {(char)('A' + Math.Max(0, Node))}): {what}");
        }
    }
}

/// <summary>Publish-to-receive latencies in 0.1 ms buckets up to 30 s (above: the last bucket), thread-safe.</summary>
internal sealed class LatencyHistogram
{
    private const int BucketsPerMs = 10;
    private readonly long[] _buckets = new long[30_000 * BucketsPerMs + 1];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add(TimeSpan latency)
    {
        long bucket = Math.Clamp((long)(latency.TotalMilliseconds * BucketsPerMs), 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>The latency under which <paramref name="fraction"/> of the samples fall, in ms.</summary>
    public double Percentile(double fraction)
    {
        long target = (long)Math.Ceiling(Count * fraction);
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= target && seen > 0)
            {
                return (i + 1) / (double)BucketsPerMs;
            }
        }

        return 0;
    }

    public double Max()
    {
        for (int i = _buckets.Length - 1; i >= 0; i--)
        {
            if (Interlocked.Read(ref _buckets[i]) > 0)
            {
                return (i + 1) / (double)BucketsPerMs;
            }
        }

        return 0;
    }
}
