using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Subjects;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using StackExchange.Redis;

namespace RxSockets.Redis.Tests;

/// <summary>Topics across nodes on one real redis-server: fan-out, one order, history and resume on any node.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class BackplaneTests
{
    private RedisServer _redis = null!;
    private string _prefix = "";

    [OneTimeSetUp]
    public async Task StartRedis() => _redis = await RedisServer.StartAsync();

    [OneTimeTearDown]
    public void StopRedis() => _redis?.Dispose();

    [SetUp]
    public void NewPrefix()
    {
        _prefix = $"test:{Guid.NewGuid():N}:"; // tests share the server, never keys
        TestLog.Start();
    }

    [TearDown]
    public void WriteLogIfFailed() => TestLog.Current.WriteIfFailed();

    [Test]
    public async Task Publish_OnNodeA_ReachesSubscribersOnBothNodesInOneOrder()
    {
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("t", source));
        await using Node b = await Node.StartAsync(_redis, _prefix, hub => hub.Relay("t"));
        await using TestFeedClient onA = await a.ConnectAsync();
        await using TestFeedClient onB = await b.ConnectAsync();
        await onA.SubscribeAsync("t");
        await onB.SubscribeAsync("t");
        Envelope subscribedA = await onA.ExpectAsync("subscribed");
        Envelope subscribedB = await onB.ExpectAsync("subscribed");

        for (int i = 1; i <= 20; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        List<Envelope> gotA = await ReadDataAsync(onA, 20);
        List<Envelope> gotB = await ReadDataAsync(onB, 20);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(subscribedB.Epoch, Is.EqualTo(subscribedA.Epoch), "one epoch for the cluster");
            Assert.That(gotA.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 20).Select(i => (long)i)));
            Assert.That(gotA.Select(e => e.Data), Is.EqualTo(Enumerable.Range(1, 20).Select(i => $"m{i}")));
            Assert.That(gotB.Select(e => e.Text), Is.EqualTo(gotA.Select(e => e.Text)), "the same envelopes on both nodes");
        }
    }

    [Test]
    public async Task Publish_OnBothNodes_NumbersOnceForTheCluster()
    {
        var sourceA = new Subject<Message>();
        var sourceB = new Subject<Message>();
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("chat", sourceA));
        await using Node b = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("chat", sourceB));
        await using TestFeedClient onA = await a.ConnectAsync();
        await using TestFeedClient onB = await b.ConnectAsync();
        await onA.SubscribeAsync("chat");
        await onB.SubscribeAsync("chat");
        await onA.ExpectAsync("subscribed");
        await onB.ExpectAsync("subscribed");

        for (int i = 1; i <= 10; i++)
        {
            sourceA.OnNext(Message.FromText($"a{i}"));
            sourceB.OnNext(Message.FromText($"b{i}"));
        }

        List<Envelope> gotA = await ReadDataAsync(onA, 20);
        List<Envelope> gotB = await ReadDataAsync(onB, 20);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(gotA.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 20).Select(i => (long)i)), "consecutive: no number given twice or skipped");
            Assert.That(gotB.Select(e => e.Text), Is.EqualTo(gotA.Select(e => e.Text)), "one order on every node");
            Assert.That(gotA.Where(e => e.Data!.StartsWith('a')).Select(e => e.Data), Is.EqualTo(Enumerable.Range(1, 10).Select(i => $"a{i}")), "each publisher's order kept");
            Assert.That(gotA.Where(e => e.Data!.StartsWith('b')).Select(e => e.Data), Is.EqualTo(Enumerable.Range(1, 10).Select(i => $"b{i}")));
        }
    }

    [Test]
    public async Task Resume_OnAnotherNode_GetsExactlyTheMissedThenLive()
    {
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("t", source));
        await using Node b = await Node.StartAsync(_redis, _prefix, hub => hub.Relay("t"));
        TestFeedClient onA = await a.ConnectAsync();
        await onA.SubscribeAsync("t");
        string epoch = (await onA.ExpectAsync("subscribed")).Epoch!;
        for (int i = 1; i <= 3; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        Assert.That((await ReadDataAsync(onA, 3)).Select(e => e.Seq), Is.EqualTo(new long[] { 1, 2, 3 }));
        await onA.DisposeAsync();

        for (int i = 4; i <= 6; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        await a.Backplane.FlushAsync(CancellationToken.None);
        await using TestFeedClient onB = await b.ConnectAsync();
        await onB.SubscribeAsync("t", since: 3, epoch);
        Envelope subscribed = await onB.ExpectAsync("subscribed");
        List<Envelope> missed = await ReadDataAsync(onB, 3);
        source.OnNext(Message.FromText("m7"));
        Envelope live = await onB.ExpectAsync("data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(subscribed.Epoch, Is.EqualTo(epoch));
            Assert.That(missed.Select(e => e.Data), Is.EqualTo(new[] { "m4", "m5", "m6" }));
            Assert.That(live.Seq, Is.EqualTo(7));
        }
    }

    [Test]
    public async Task Resume_OlderThanHistory_GetsTheSameResetAsOneNode()
    {
        var source = new Subject<Message>();
        var options = new TopicOptions { HistoryCount = 3 };
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("t", source, options));
        await using Node b = await Node.StartAsync(_redis, _prefix, hub => hub.Relay("t", options));
        string epoch = a.Hub.TryGetTopic("t", out FeedTopic? topic) ? topic.Epoch : "";
        for (int i = 1; i <= 10; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        await a.Backplane.FlushAsync(CancellationToken.None);
        await using TestFeedClient onB = await b.ConnectAsync();
        await onB.SubscribeAsync("t", since: 2, epoch);
        await onB.ExpectAsync("subscribed");
        Envelope reset = await onB.ExpectAsync("reset");
        Envelope snapshot = await onB.ExpectAsync("data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reset.Reason, Is.EqualTo("history"));
            Assert.That(snapshot.Seq, Is.EqualTo(10), "then the snapshot: the newest message");
        }
    }

    [Test]
    public async Task NodeStartedLater_ReadsTheHistoryFromRedis_AndServesResume()
    {
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("t", source));
        for (int i = 1; i <= 5; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        await a.Backplane.FlushAsync(CancellationToken.None);
        string epoch = a.Hub.TryGetTopic("t", out FeedTopic? topic) ? topic.Epoch : "";

        await using Node late = await Node.StartAsync(_redis, _prefix, hub => hub.Relay("t"));
        Assert.That(late.Hub.TryGetTopic("t", out FeedTopic? lateTopic) ? (lateTopic.LastSequence, lateTopic.HistoryLength, lateTopic.Epoch) : default,
            Is.EqualTo((5L, 5, epoch)), "joined with the history Redis holds");

        await using TestFeedClient client = await late.ConnectAsync();
        await client.SubscribeAsync("t", since: 2, epoch);
        await client.ExpectAsync("subscribed");
        Assert.That((await ReadDataAsync(client, 3)).Select(e => e.Data), Is.EqualTo(new[] { "m3", "m4", "m5" }));
    }

    [Test]
    public async Task History_InRedis_IsAStreamTrimmedNearHistoryCount()
    {
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(_redis, _prefix, hub => hub.Publish("t", source, new TopicOptions { HistoryCount = 10 }));
        for (int i = 1; i <= 1000; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        await a.Backplane.FlushAsync(CancellationToken.None);
        IDatabase db = a.Backplane.Multiplexer.GetDatabase();
        long length = await db.StreamLengthAsync($"{_prefix}feeds:{{t}}:log");
        StreamEntry[] newest = await db.StreamRangeAsync($"{_prefix}feeds:{{t}}:log", "-", "+", count: 1, messageOrder: Order.Descending);

        using (Assert.EnterMultipleScope())
        {
            // MAXLEN ~ trims whole stream nodes (100 entries each by default): bounded, at least 10.
            Assert.That(length, Is.InRange(10, 200));
            Assert.That(newest[0].Id.ToString(), Is.EqualTo("1000-0"), "the entry id is the sequence number");
            Assert.That(await db.HashGetAsync($"{_prefix}feeds:{{t}}:meta", "seq"), Is.EqualTo((RedisValue)1000));
        }
    }

    [Test]
    public async Task Publish_CostsOneRedisCallPerMessage_WhateverTheNodesAndSubscribers()
    {
        using RedisServer redis = await RedisServer.StartAsync(); // its own: counts only this test's commands
        var source = new Subject<Message>();
        Action<RedisBackplaneOptions> noQuietChecks = o => o.CatchUpInterval = TimeSpan.FromHours(1); // only the publishes are counted
        await using Node a = await Node.StartAsync(redis, _prefix, hub => hub.Publish("t", source), configure: noQuietChecks);
        await using Node b = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"), configure: noQuietChecks);
        var clients = new List<TestFeedClient> { await a.ConnectAsync(), await a.ConnectAsync(), await b.ConnectAsync(), await b.ConnectAsync() };
        foreach (TestFeedClient client in clients)
        {
            await client.SubscribeAsync("t");
            await client.ExpectAsync("subscribed");
        }

        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true");
        await admin.GetDatabase().ExecuteAsync("CONFIG", "RESETSTAT");
        for (int i = 1; i <= 50; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        foreach (TestFeedClient client in clients)
        {
            Assert.That((await ReadDataAsync(client, 50)).Select(e => e.Seq), Is.EqualTo(Enumerable.Range(1, 50).Select(i => (long)i)));
            await client.DisposeAsync();
        }

        string stats = (string)(await admin.GetDatabase().ExecuteAsync("INFO", "commandstats"))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Calls(stats, "evalsha") + Calls(stats, "eval"), Is.EqualTo(50), "one script call per message: " + stats);
            Assert.That(Calls(stats, "xadd"), Is.EqualTo(50));
            Assert.That(Calls(stats, "publish"), Is.EqualTo(50), "one PUBLISH per message, not one per node or subscriber");
            Assert.That(Calls(stats, "xrange") + Calls(stats, "xrevrange"), Is.Zero, "no catch-up reads when nothing is missed");
        }
    }

    [Test]
    public async Task Broadcast_ReachesEveryConnectionOfEveryNode()
    {
        await using Node a = await Node.StartAsync(_redis, _prefix, _ => { });
        await using Node b = await Node.StartAsync(_redis, _prefix, _ => { });
        using IDisposable attachA = a.Backplane.AttachServer(a.Server);
        using IDisposable attachB = b.Backplane.AttachServer(b.Server);
        await using TestFeedClient onA = await a.ConnectAsync();
        await using TestFeedClient onB = await b.ConnectAsync();
        // A client whose ConnectAsync returned is in its server's Connections already.

        long nodes = await a.Backplane.BroadcastAsync(Message.FromText("hello all"), CancellationToken.None);
        Message gotA = await onA.Connection.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(Node.Wait);
        Message gotB = await onB.Connection.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(Node.Wait);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(nodes, Is.EqualTo(2));
            Assert.That(gotA.Text, Is.EqualTo("hello all"));
            Assert.That(gotB.Text, Is.EqualTo("hello all"));
        }
    }

    internal static async Task<List<Envelope>> ReadDataAsync(TestFeedClient client, int count)
    {
        var got = new List<Envelope>();
        while (got.Count < count)
        {
            got.Add(await client.ExpectAsync("data"));
        }

        return got;
    }

    /// <summary>The <c>calls</c> of one command in <c>INFO commandstats</c> (<c>cmdstat_xadd:calls=50,…</c>), 0 when absent.</summary>
    private static long Calls(string stats, string command)
    {
        foreach (string line in stats.Split('\n'))
        {
            string prefix = $"cmdstat_{command}:calls=";
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                string rest = line[prefix.Length..];
                return long.Parse(rest[..rest.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
