using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Subjects;
using System.Threading;
using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// A topic on a shared backplane that the test plays: what the topic publishes is recorded, and the
/// test delivers numbered records back as Redis would, including a new epoch and a step.
/// </summary>
[TestFixture]
public sealed class BackplaneTests
{
    private readonly VirtualClock _clock = new();
    private readonly ScriptedBackplane _backplane = new();
    private FeedHub _hub = null!;

    [SetUp]
    public void CreateHub() => _hub = new FeedHub(new FeedHubOptions { Backplane = _backplane, TimeProvider = _clock.Time });

    [TearDown]
    public void DisposeHub() => _hub.Dispose();

    [Test]
    public void Publish_OnSharedBackplane_SourceRunsWithoutSubscribers_AndOnlyWhatComesBackIsSent()
    {
        using var source = new Subject<string>();
        FeedTopic topic = _hub.Publish("t", source, TestJson.Default.String);
        FakeOutlet outlet = Attach(topic);

        source.OnNext("x");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topic.IsSourceActive, Is.True);
            Assert.That(_backplane.Published, Is.EqualTo(new[] { (default(string), """{"data":"x"}""") }));
            Assert.That(outlet.Data, Is.Empty, "nothing until the backplane numbers it");
        }

        _backplane.Deliver("E1", new FeedRecord(1, null, """{"data":"x"}"""));
        Assert.That(outlet.Data.Select(e => (e.Seq, e.Data)), Is.EqualTo(new[] { (1L, "x") }));
    }

    [Test]
    public void Receive_NewEpoch_ResetsSubscribersWithTheEpoch_ThenLive()
    {
        FeedTopic topic = _hub.Relay("t");
        _backplane.Deliver("E1", Record(1), Record(2));
        FakeOutlet outlet = Attach(topic);

        _backplane.Deliver("E2", Record(1, "after"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outlet.Types, Is.EqualTo(new[] { "subscribed", "data", "reset", "data" }));
            Envelope reset = outlet.Received[2].Envelope;
            Assert.That((reset.Reason, reset.Epoch), Is.EqualTo(("epoch", "E2")));
            Assert.That(outlet.Data.Last().Data, Is.EqualTo("after"));
            Assert.That((topic.Epoch, topic.LastSequence, topic.HistoryLength), Is.EqualTo(("E2", 1L, 1)));
        }
    }

    [Test]
    public void Receive_NewEpochWithSeveralMessagesAtOnce_ReplaysEveryOneAfterTheReset()
    {
        // Messages published while Redis was away reach Redis when the nodes reconnect: the node then
        // reads the new epoch's first messages in one catch-up. They are in the history, so a
        // subscriber gets each of them after the reset, not only the newest.
        FeedTopic topic = _hub.Relay("t");
        _backplane.Deliver("E1", Record(1), Record(2));
        FakeOutlet outlet = Attach(topic);

        _backplane.Deliver("E2", Record(1, "x"), Record(2, "y"), Record(3, "z"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outlet.Types, Is.EqualTo(new[] { "subscribed", "data", "reset", "data", "data", "data" }));
            Assert.That(outlet.Data.Skip(1).Select(e => (e.Seq, e.Data)), Is.EqualTo(new[] { (1L, "x"), (2L, "y"), (3L, "z") }));
        }
    }

    [Test]
    public void Receive_StepInSequence_ResetsWithHistory_AndAResumeAcrossTheGapIsReset()
    {
        FeedTopic topic = _hub.Relay("t");
        _backplane.Deliver("E1", Record(1), Record(2));
        FakeOutlet outlet = Attach(topic);

        _backplane.Deliver("E1", Record(5), Record(6));
        FakeOutlet resumed = Attach(topic, since: 2, epoch: "E1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outlet.Types, Is.EqualTo(new[] { "subscribed", "data", "reset", "data", "data" }));
            Assert.That(outlet.Received[2].Envelope.Reason, Is.EqualTo("history"));
            Assert.That(outlet.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 2, 5, 6 }), "after the reset, every message from the first after the gap");
            Assert.That(resumed.Types, Is.EqualTo(new[] { "subscribed", "reset", "data" }), "3 and 4 are lost for good");
        }
    }

    [Test]
    public void Attach_ResumeAheadOfThisNode_GetsWhatFollowsOnceThisNodeHasIt_NoDuplicate()
    {
        FeedTopic topic = _hub.Relay("t");
        _backplane.Deliver("E1", Record(1), Record(2), Record(3));
        FakeOutlet outlet = Attach(topic, since: 5, epoch: "E1"); // it saw 5 on a node ahead of this one

        _backplane.Deliver("E1", Record(4), Record(5), Record(6));
        _backplane.Deliver("E1", Record(7));

        Assert.That(outlet.Received.Select(r => (r.Envelope.Type, r.Envelope.Seq)),
            Is.EqualTo(new[] { ("subscribed", 3L), ("data", 6L), ("data", 7L) }));
    }

    [Test]
    public void Attach_ResumeAheadOfANodeThatHasNothing_ThenAStep_IsReset()
    {
        FeedTopic topic = _hub.Relay("t");
        FakeOutlet outlet = Attach(topic, since: 50, epoch: "E1"); // this node has received nothing yet

        _backplane.Deliver("E1", Record(95), Record(96)); // 51..94 are not to be had

        Assert.That(outlet.Received.Select(r => (r.Envelope.Type, r.Envelope.Seq)),
            Is.EqualTo(new[] { ("subscribed", 0L), ("reset", 0L), ("data", 95L), ("data", 96L) }));
    }

    [Test]
    public void Receive_Duplicates_AreIgnored()
    {
        FeedTopic topic = _hub.Relay("t");
        FakeOutlet outlet = Attach(topic);

        _backplane.Deliver("E1", Record(1), Record(2));
        _backplane.Deliver("E1", Record(2), Record(3));

        Assert.That(outlet.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void Relay_WithTheInProcessBackplane_Throws()
    {
        using var hub = new FeedHub();

        Assert.That(() => hub.Relay("t"), Throws.InvalidOperationException.With.Message.Contains("shared backplane"));
    }

    private static FeedRecord Record(long seq, string? data = null) => new(seq, null, $$"""{"data":"{{data ?? "m" + seq}}"}""");

    private FakeOutlet Attach(FeedTopic topic, long? since = null, string? epoch = null)
    {
        var outlet = new FakeOutlet(_clock, "fake", int.MaxValue);
        topic.Attach(outlet, topic.FlowPolicy, since, epoch, CancellationToken.None);
        return outlet;
    }

    /// <summary>A shared backplane played by the test: records what is published, delivers what the test says.</summary>
    private sealed class ScriptedBackplane : IFeedBackplane
    {
        private IFeedReceiver? _receiver;

        public List<(string? Key, string Body)> Published { get; } = [];

        public bool IsShared => true;

        public IFeedBackplaneTopic Join(string topic, int historyCount, IFeedReceiver receiver)
        {
            _receiver = receiver;
            return new Link(this);
        }

        public void Deliver(string epoch, params FeedRecord[] records) => _receiver!.Receive(epoch, records);

        private sealed class Link(ScriptedBackplane owner) : IFeedBackplaneTopic
        {
            public string Epoch => "E1";

            public void Publish(string? key, string body) => owner.Published.Add((key, body));

            public void Dispose()
            {
            }
        }
    }
}
