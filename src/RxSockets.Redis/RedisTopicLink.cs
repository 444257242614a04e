using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RxSockets;

/// <summary>
/// One topic on the Redis backplane, on one node. Publishing is one script call per message. What
/// the topic's channel delivers goes through one ordered loop: the next sequence is handed to the
/// topic at once; anything else (a step, a new epoch, a restored connection) first catches up from
/// the history stream with one script call, so the topic sees every message Redis still holds, in
/// order, and a reset for anything it does not.
/// </summary>
/// <remarks>Thread-safe: <see cref="Publish"/> from the source's thread; the loop owns <see cref="_epoch"/> and <see cref="_last"/>.</remarks>
internal sealed class RedisTopicLink : IFeedBackplaneTopic
{
    private readonly RedisFeedBackplane _owner;
    private readonly string _topic;
    private readonly int _historyCount;
    private readonly IFeedReceiver _receiver;
    private readonly RedisKey[] _keys;
    private readonly RedisValue _channelName;
    private readonly RedisChannel _channel;

    /// <summary>
    /// Channel messages and catch-up requests, in arrival order; read by the loop only. Bounded
    /// (<see cref="QueueCapacity"/>), so a node slower than the topic's rate holds a fixed number of
    /// messages whatever the publishers do: what does not fit is dropped and read back from the
    /// history instead (<see cref="_overflowed"/>).
    /// </summary>
    private readonly Channel<Item> _items;

    /// <summary>1 when an item did not fit in <see cref="_items"/>: the loop catches up from the history before its next item.</summary>
    private int _overflowed;

    private readonly CancellationTokenSource _stop = new();
    private readonly ChannelMessageQueue _queue;
    private readonly Task _loop;

    /// <summary>The epoch of what the topic received last ("" before anything).</summary>
    private string _epoch = "";

    /// <summary>The newest sequence the topic received in <see cref="_epoch"/>.</summary>
    private long _last;

    /// <summary>1 when a message of this node could not be published: the next one leaves a step so every node resets.</summary>
    private int _skip;

    /// <summary>The newest publish, for <see cref="FlushAsync"/> (publishes run in order on one connection).</summary>
    private Task _lastPublish = Task.CompletedTask;

    private int _disposed;

    /// <summary>1 when the channel delivered something since the last <see cref="CatchUpIfQuiet"/>.</summary>
    private int _heard;

    public RedisTopicLink(RedisFeedBackplane owner, string topic, int historyCount, IFeedReceiver receiver)
    {
        _owner = owner;
        _topic = topic;
        _historyCount = historyCount;
        _receiver = receiver;
        QueueCapacity = Math.Clamp(historyCount, MinQueueCapacity, MaxQueueCapacity);
        _items = Channel.CreateBounded<Item>(
            new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite },
            _ => Volatile.Write(ref _overflowed, 1));
        string prefix = owner.KeyPrefix + "feeds:{" + topic + "}";
        _keys = [prefix + ":meta", prefix + ":log"];
        _channelName = owner.KeyPrefix + "feeds:" + topic;
        _channel = RedisChannel.Literal(owner.KeyPrefix + "feeds:" + topic);

        // Subscribe first, then read the history: what is published in between arrives on the channel
        // and is recognised as already held.
        _queue = owner.Multiplexer.GetSubscriber().Subscribe(_channel);
        _queue.OnMessage(message =>
        {
            Volatile.Write(ref _heard, 1);
            _items.Writer.TryWrite(new Item(message.Message));
        });
        try
        {
            Apply(owner.Database.ScriptEvaluate(RedisScripts.Sync, _keys, SyncArguments()));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisLog.SyncFailed(owner.Logger, topic, ex);
            _items.Writer.TryWrite(Item.CatchUp);
        }

        Epoch = _epoch;
        _loop = RunAsync();
    }

    /// <summary>The fewest messages a topic's queue holds (for a topic with a short history).</summary>
    internal const int MinQueueCapacity = 256;

    /// <summary>The most messages a topic's queue holds (beyond, the history is read instead).</summary>
    internal const int MaxQueueCapacity = 16_384;

    /// <inheritdoc/>
    public string Epoch { get; }

    /// <summary>How many items the queue between Redis and the topic holds at most: the history's length, within [<see cref="MinQueueCapacity"/>, <see cref="MaxQueueCapacity"/>].</summary>
    internal int QueueCapacity { get; }

    /// <summary>How many items wait in that queue now (for tests and diagnostics).</summary>
    internal int QueuedCount => _items.Reader.Count;

    /// <inheritdoc/>
    public void Publish(string? key, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int skip = Interlocked.Exchange(ref _skip, 0);
        Task<RedisResult> publish = _owner.Database.ScriptEvaluateAsync(RedisScripts.Publish, _keys,
        [
            InProcessFeedBackplane.NewEpoch(), skip, _historyCount, key is null ? "0" : "1", key ?? "", body, _channelName,
        ]);
        _lastPublish = publish.ContinueWith(
            static (task, state) => ((RedisTopicLink)state!).Published(task),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Asks the loop to catch up from the history (the connection was restored).</summary>
    public void RequestCatchUp() => _items.Writer.TryWrite(Item.CatchUp);

    /// <summary>Catches up when the channel was quiet since the last call: a message missed just before a quiet period is not left unseen.</summary>
    public void CatchUpIfQuiet()
    {
        if (Interlocked.Exchange(ref _heard, 0) == 0)
        {
            RequestCatchUp();
        }
    }

    /// <summary>Waits until the publishes made so far have completed (or failed).</summary>
    public Task FlushAsync() => _lastPublish;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _owner.Leave(this);
        _items.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _queue.Unsubscribe(CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // The connection is gone: so is the subscription.
        }
    }

    /// <summary>Waits for the loop to end after <see cref="Dispose"/>.</summary>
    public Task Completion => _loop;

    private void Published(Task<RedisResult> task)
    {
        if (task.IsFaulted)
        {
            Interlocked.Exchange(ref _skip, 1);
            _owner.PublishFailed(_topic, task.Exception.GetBaseException());
        }
    }

    private RedisValue[] SyncArguments() => [InProcessFeedBackplane.NewEpoch(), _epoch, _last, _historyCount];

    private async Task RunAsync()
    {
        try
        {
            while (await _items.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (_items.Reader.TryRead(out Item item))
                {
                    try
                    {
                        if (Volatile.Read(ref _overflowed) != 0 && Interlocked.Exchange(ref _overflowed, 0) != 0)
                        {
                            // Newer messages were dropped at the door: read everything after the last one
                            // taken from the history; what is still queued is then recognised as held.
                            RedisLog.QueueFull(_owner.Logger, _topic, QueueCapacity);
                            await CatchUpAsync().ConfigureAwait(false);
                        }

                        if (item.IsCatchUp)
                        {
                            await CatchUpAsync().ConfigureAwait(false);
                        }
                        else if (TryParse(item.Payload, out string? epoch, out FeedRecord record))
                        {
                            await TakeAsync(epoch, record).ConfigureAwait(false);
                        }
                        else
                        {
                            RedisLog.BadPayload(_owner.Logger, _channelName.ToString());
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The loop must outlive one bad turn, or the topic would stop receiving for good;
                        // the next step in the sequence catches up what this turn did not deliver.
                        RedisLog.TurnFailed(_owner.Logger, _topic, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task TakeAsync(string epoch, FeedRecord record)
    {
        if (epoch == _epoch)
        {
            if (record.Sequence <= _last)
            {
                return; // already received (read from the history)
            }

            if (record.Sequence == _last + 1)
            {
                Deliver(epoch, [record]);
                return;
            }
        }

        // A step or a new epoch: what is missing may still be in the history.
        await CatchUpAsync().ConfigureAwait(false);
        if (epoch != _epoch || record.Sequence > _last)
        {
            Deliver(epoch, [record]); // the history could not be read: the topic resets its subscribers
        }
    }

    private async Task CatchUpAsync()
    {
        RedisLog.CatchingUp(_owner.Logger, _topic, _last, _epoch);
        try
        {
            Apply(await _owner.Database.ScriptEvaluateAsync(RedisScripts.Sync, _keys, SyncArguments()).WaitAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisLog.SyncFailed(_owner.Logger, _topic, ex); // the next restored connection, or the next step, tries again
        }
    }

    /// <summary>Hands the result of <see cref="RedisScripts.Sync"/> to the topic.</summary>
    private void Apply(RedisResult result)
    {
        RedisResult[] parts = (RedisResult[])result!;
        string epoch = (string)parts[0]!;
        bool newestFirst = (int)parts[1] == 1;
        RedisResult[] entries = (RedisResult[])parts[2]!;
        var records = new List<FeedRecord>(entries.Length);
        foreach (RedisResult entry in entries)
        {
            if (TryParseEntry(entry, out FeedRecord record))
            {
                records.Add(record);
            }
        }

        if (newestFirst)
        {
            records.Reverse();
        }

        if (epoch != _epoch || records.Count > 0)
        {
            Deliver(epoch, [.. records]);
        }
    }

    /// <summary>Hands records to the topic; counts and logs what was lost in front of them.</summary>
    private void Deliver(string epoch, FeedRecord[] records)
    {
        bool sameEpoch = epoch == _epoch;
        RedisLog.Taking(_owner.Logger, _topic, records.Length, records.Length > 0 ? records[0].Sequence : 0, records.Length > 0 ? records[^1].Sequence : 0, epoch, _last, _epoch);
        if (!sameEpoch)
        {
            if (_epoch.Length > 0)
            {
                _owner.EpochChanged(_topic, _epoch, epoch);
            }
        }
        else if (records.Length > 0 && records[0].Sequence > _last + 1 && _last > 0)
        {
            _owner.MessagesLostOn(_topic, records[0].Sequence - _last - 1, _last + 1, records[0].Sequence - 1);
        }

        _receiver.Receive(epoch, records);
        long newest = records.Length > 0 ? records[^1].Sequence : 0;
        _last = sameEpoch ? Math.Max(_last, newest) : newest;
        _epoch = epoch;
    }

    /// <summary>Parses <c>epoch \n seq \n key-length \n key body</c>.</summary>
    internal static bool TryParse(RedisValue payload, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? epoch, out FeedRecord record)
    {
        epoch = null;
        record = default;
        ReadOnlySpan<byte> bytes = (byte[]?)payload;
        int a = bytes.IndexOf((byte)'\n');
        if (a <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = bytes[(a + 1)..];
        int b = rest.IndexOf((byte)'\n');
        if (b <= 0 || !long.TryParse(rest[..b], NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
        {
            return false;
        }

        rest = rest[(b + 1)..];
        int c = rest.IndexOf((byte)'\n');
        if (c <= 0 || !int.TryParse(rest[..c], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int keyLength) || keyLength < -1)
        {
            return false;
        }

        rest = rest[(c + 1)..];
        int bodyStart = Math.Max(keyLength, 0);
        if (bodyStart > rest.Length)
        {
            return false;
        }

        string? key = keyLength < 0 ? null : Encoding.UTF8.GetString(rest[..keyLength]);
        epoch = Encoding.UTF8.GetString(bytes[..a]);
        record = new FeedRecord(seq, key, Encoding.UTF8.GetString(rest[bodyStart..]));
        return true;
    }

    /// <summary>Parses a stream entry <c>[id, [field, value, …]]</c> with id <c>seq-0</c> and fields <c>b</c> (body) and <c>k</c> (key).</summary>
    private static bool TryParseEntry(RedisResult entry, out FeedRecord record)
    {
        record = default;
        RedisResult[] parts = (RedisResult[])entry!;
        string? id = (string?)parts[0];
        int dash = id?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 || !long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
        {
            return false;
        }

        RedisResult[] fields = (RedisResult[])parts[1]!;
        string? body = null;
        string? key = null;
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            switch ((string?)fields[i])
            {
                case "b":
                    body = (string?)fields[i + 1];
                    break;
                case "k":
                    key = (string?)fields[i + 1];
                    break;
            }
        }

        if (body is null)
        {
            return false;
        }

        record = new FeedRecord(seq, key, body);
        return true;
    }

    /// <summary>A channel message, or a request to catch up.</summary>
    private readonly record struct Item(RedisValue Payload, bool IsCatchUp = false)
    {
        public static Item CatchUp => new(RedisValue.Null, true);
    }
}
