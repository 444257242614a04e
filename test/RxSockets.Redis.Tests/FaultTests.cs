using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Subjects;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using StackExchange.Redis;

namespace RxSockets.Redis.Tests;

/// <summary>
/// Faults with their documented behaviour (docs/scale-out.md, "Faults"): Redis unreachable at start,
/// Redis restarted mid-stream, a message Redis did not take, a node's subscription dropped, a node killed.
/// Each test that restarts Redis has a redis-server of its own.
/// </summary>
[TestFixture]
[CancelAfter(90_000)]
public sealed class FaultTests
{
    private readonly string _prefix = $"fault:{Guid.NewGuid():N}:";

    [SetUp]
    public void StartLog() => TestLog.Start();

    [TearDown]
    public void WriteLogIfFailed() => TestLog.Current.WriteIfFailed();

    [Test]
    public async Task ConnectAsync_RedisUnreachable_FailsWithAClearError()
    {
        var options = new RedisBackplaneOptions { Configuration = $"127.0.0.1:{RedisServer.FreePort()}", ConnectTimeout = TimeSpan.FromSeconds(1) };

        RedisConnectionException? error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisFeedBackplane.ConnectAsync(options, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain(options.Configuration).And.Contain("could not reach"), "names the server it could not reach");
    }

    [Test]
    public async Task RedisRestarted_NodesReconnect_SubscribersGetAResetWithTheNewEpoch_ThenLiveMessages()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(redis, _prefix, hub => hub.Publish("t", source));
        await using Node b = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"));
        await using TestFeedClient onA = await a.ConnectAsync();
        await using TestFeedClient onB = await b.ConnectAsync();
        await onA.SubscribeAsync("t");
        await onB.SubscribeAsync("t");
        string oldEpoch = (await onA.ExpectAsync("subscribed")).Epoch!;
        await onB.ExpectAsync("subscribed");
        for (int i = 1; i <= 3; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        await BackplaneTests.ReadDataAsync(onA, 3);
        await BackplaneTests.ReadDataAsync(onB, 3);

        await redis.RestartAsync(); // empty: the topic's epoch, counter and history are gone

        // Each node reconnects by itself, finds the topic unknown to Redis and tells its subscribers.
        Envelope resetA = await onA.ExpectAsync("reset");
        Envelope resetB = await onB.ExpectAsync("reset");
        source.OnNext(Message.FromText("after"));
        Envelope liveA = await NextDataAsync(onA, a);
        Envelope liveB = await NextDataAsync(onB, a);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resetA.Reason, Is.EqualTo("epoch"));
            Assert.That(resetA.Epoch, Is.Not.Null.And.Not.EqualTo(oldEpoch), "the reset carries the new epoch, to resume with");
            Assert.That(resetB.Epoch, Is.EqualTo(resetA.Epoch), "one new epoch for the cluster");
            Assert.That((liveA.Data, liveB.Data), Is.EqualTo(("after", "after")));
            Assert.That(liveB.Seq, Is.EqualTo(liveA.Seq));
            Assert.That(a.Backplane.ConnectionFailures, Is.GreaterThan(0), "counted");
            Assert.That(a.Backplane.EpochChanges + b.Backplane.EpochChanges, Is.EqualTo(2), "counted once per node");
        }
    }

    /// <summary>
    /// The next data envelope. A publish whose answer the kill cut off (Redis ran it, the node could
    /// not know) is counted as a failure and announced as a gap: one <c>reset</c> with reason
    /// <c>history</c> may come first then, and only then.
    /// </summary>
    private static async Task<Envelope> NextDataAsync(TestFeedClient client, Node publisher)
    {
        Envelope next = await client.ReceiveAsync();
        if (next.Type == "reset" && next.Reason == "history" && publisher.Backplane.PublishFailures > 0)
        {
            next = await client.ReceiveAsync();
        }

        Assert.That(next.Type, Is.EqualTo("data"), next.Text);
        return next;
    }

    [Test]
    public async Task MessageRedisDidNotTake_IsCountedAndEveryNodeResetsItsSubscribers()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(redis, _prefix, hub => hub.Publish("t", source));
        await using Node b = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"));
        await using TestFeedClient onB = await b.ConnectAsync();
        await onB.SubscribeAsync("t");
        await onB.ExpectAsync("subscribed");
        source.OnNext(Message.FromText("m1"));
        Assert.That((await onB.ExpectAsync("data")).Seq, Is.EqualTo(1));

        // Break the history stream (a key of the wrong type): the next publish fails inside Redis.
        IDatabase db = a.Backplane.Multiplexer.GetDatabase();
        string log = $"{_prefix}feeds:{{t}}:log";
        await db.KeyDeleteAsync(log);
        await db.StringSetAsync(log, "not a stream");
        source.OnNext(Message.FromText("lost"));
        await a.Backplane.FlushAsync(CancellationToken.None);
        await db.KeyDeleteAsync(log);
        source.OnNext(Message.FromText("m3"));

        Envelope reset = await onB.ExpectAsync("reset");
        Envelope next = await onB.ExpectAsync("data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.Backplane.PublishFailures, Is.EqualTo(1));
            Assert.That(reset.Reason, Is.EqualTo("history"), "a gap the history cannot fill");
            Assert.That(next.Data, Is.EqualTo("m3"));
            Assert.That(b.Backplane.MessagesLost, Is.GreaterThanOrEqualTo(1), "counted where it was missed");
        }
    }

    [Test]
    public async Task SubscriptionConnectionDropped_NodeCatchesUpFromTheHistory_NothingLost()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        var source = new Subject<Message>();
        await using Node a = await Node.StartAsync(redis, _prefix, hub => hub.Publish("t", source));
        await using Node b = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"));
        await using TestFeedClient onB = await b.ConnectAsync();
        await onB.SubscribeAsync("t");
        await onB.ExpectAsync("subscribed");
        source.OnNext(Message.FromText("m1"));
        await onB.ExpectAsync("data");

        // Drop every pub/sub connection (both nodes'); publish while they reconnect.
        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }

        for (int i = 2; i <= 30; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        List<Envelope> got = await BackplaneTests.ReadDataAsync(onB, 29);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(got.Select(e => e.Seq), Is.EqualTo(Enumerable.Range(2, 29).Select(i => (long)i)), "every message, in order, no reset");
            Assert.That(b.Backplane.MessagesLost, Is.Zero);
        }
    }

    [Test]
    public async Task NodeKilled_PythonClientReconnectsToAnotherNode_AndResumesWithoutGapOrDuplicate()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        var source = new Subject<Message>();
        await using Node publisher = await Node.StartAsync(redis, _prefix, hub => hub.Publish("t", source));
        Node a = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"));
        await using Node b = await Node.StartAsync(redis, _prefix, hub => hub.Relay("t"));
        using PythonClient python = PythonClient.Start("t", 10, a.Uri, b.Uri);
        Assert.That((await python.NextAsync()).Type, Is.EqualTo("subscribed"));
        for (int i = 1; i <= 5; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        var seen = new List<Envelope>();
        while (seen.Count == 0 || seen[^1].Seq < 5)
        {
            seen.Add(await python.NextAsync());
        }

        await a.KillAsync();
        Assert.That((await python.NextAsync()).Type, Is.EqualTo("dropped"));
        for (int i = 6; i <= 10; i++)
        {
            source.OnNext(Message.FromText($"m{i}"));
        }

        Envelope envelope;
        do
        {
            envelope = await python.NextAsync();
            seen.Add(envelope);
        }
        while (envelope.Type != "data" || envelope.Seq < 10);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await python.ExitAsync(), Is.Zero);
            Assert.That(seen.Where(e => e.Type == "data").Select(e => e.Data), Is.EqualTo(Enumerable.Range(1, 10).Select(i => $"m{i}")), "every message once, in order");
            Assert.That(seen.Select(e => e.Type).Distinct(), Is.EquivalentTo(new[] { "data", "subscribed" }), "no reset: the other node had the history");
        }
    }
}
