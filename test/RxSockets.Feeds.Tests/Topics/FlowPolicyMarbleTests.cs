using System.Linq;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// The flow policies in virtual time, as marble diagrams: one topic, a fast subscriber that reads
/// everything at once, and a slow one whose connection holds one message (capacity 1) and whose
/// client reads one message every 30 ticks from tick 25. Values are one character; a diagram shows
/// the data values a client read, in the 10-tick frame it read them.
/// </summary>
[TestFixture]
public sealed class FlowPolicyMarbleTests
{
    private const string Source = "-a-b-c-d-e-f-g-h";

    [Test]
    public void Latest_SlowSubscriber_GetsTheNewestValueAndNeverAnOlderOne()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.Latest });
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1, id: "slow");
        slow.ReadEvery(30, first: 25, until: 400);
        harness.Publish(Source);

        harness.Clock.AdvanceTo(400);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Marbles.Render(fast), Is.EqualTo("-a-b-c-d-e-f-g-h"), "the fast subscriber gets every value when it is published");
            // The slow one holds one message; each time it has room it gets the newest value published
            // meanwhile: b and e are skipped, nothing older ever follows something newer, and h (the
            // last) arrives.
            Assert.That(Marbles.Render(slow), Is.EqualTo("-----a--c--d--f--g--h"));
            Assert.That(slow.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 1, 3, 4, 6, 7, 8 }), "the skipped values show as gaps in the sequence");
        }
    }

    [Test]
    public void DropOldest_SlowSubscriberWithinWindow_GetsEverythingLater()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.DropOldest(1024) });
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1, id: "slow");
        slow.ReadEvery(30, first: 25, until: 400);
        harness.Publish(Source);

        harness.Clock.AdvanceTo(400);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Marbles.Render(fast), Is.EqualTo("-a-b-c-d-e-f-g-h"));
            Assert.That(Marbles.Render(slow), Is.EqualTo("-----a--b--c--d--e--f--g--h"), "one per read, in order, none lost");
        }
    }

    [Test]
    public void DropOldest_SubscriberStalledThroughABurst_GetsTheNewestNOnly()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.DropOldest(3) });
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1);
        slow.ReadEvery(10, first: 25, until: 200);
        harness.Publish("-(abcdefghij)");

        harness.Clock.AdvanceTo(200);

        Assert.That(Marbles.Render(slow), Is.EqualTo("---hij"), "the seven oldest of the burst were dropped");
    }

    [Test]
    public void LatestPerKey_SlowSubscriber_GetsTheNewestOfEachKeyInSequenceOrder()
    {
        // Letters and digits are two keys (two sensors).
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.LatestPerKey }, key: v => char.IsDigit(v[0]) ? "digits" : "letters");
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1);
        slow.ReadEvery(30, first: 25, until: 400);
        harness.Publish("-a-1-b-2-c-3-d-4");

        harness.Clock.AdvanceTo(400);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Marbles.Render(slow), Is.EqualTo("-----a--1--b--c--3--d--4"), "2 was replaced by 3 before there was room; every key's last value arrives");
            Assert.That(slow.Data.Select(e => e.Key), Is.EqualTo(new[] { "letters", "digits", "letters", "letters", "digits", "letters", "digits" }));
            Assert.That(slow.Data.Select(e => e.Seq), Is.Ordered.Ascending);
        }
    }

    [Test]
    public void NewSubscriber_PublishedToBeforeItsSnapshotIsSent_GetsTheSnapshotThenEveryLaterMessage()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.DropOldest(1024) });
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");
        harness.PublishNow("a");
        harness.PublishNow("b");
        (FakeOutlet late, _) = harness.Subscribe(capacity: 1, id: "late"); // holds "subscribed"; its snapshot (b) waits for room
        harness.PublishNow("c");
        harness.PublishNow("d");
        harness.PublishNow("e");
        late.ReadEvery(10, first: 10, until: 100);

        harness.Clock.AdvanceTo(100);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fast.DataText, Is.EqualTo("abcde"));
            Assert.That(late.Received[0].Envelope.Seq, Is.EqualTo(2), "subscribed at b");
            Assert.That(late.DataText, Is.EqualTo("bcde"), "the snapshot is b; what came after its subscribed is owed one by one, not conflated away");
        }
    }

    [Test]
    public void NewSubscriberByKey_PublishedToBeforeItsSnapshotIsSent_GetsTheNewestOfEachKeyThenEveryLaterMessage()
    {
        // Letters and digits are two keys.
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.DropOldest(1024) }, key: v => char.IsDigit(v[0]) ? "digits" : "letters");
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");
        harness.PublishNow("a");
        harness.PublishNow("1");
        harness.PublishNow("b");
        (FakeOutlet late, _) = harness.Subscribe(capacity: 1, id: "late"); // its snapshot (1, b) waits for room
        harness.PublishNow("c");
        harness.PublishNow("d");
        late.ReadEvery(10, first: 10, until: 100);

        harness.Clock.AdvanceTo(100);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fast.DataText, Is.EqualTo("a1bcd"));
            // The digits key is still 1; the letters key moved on after it subscribed, and every later
            // message is owed: c and d, in order, rather than d alone.
            Assert.That(late.DataText, Is.EqualTo("1cd"));
            Assert.That(late.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 2, 4, 5 }));
        }
    }

    [Test]
    public void LatestPerKey_OnATopicWithoutKey_ActsAsLatest()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.LatestPerKey });
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1);
        slow.ReadEvery(30, first: 25, until: 400);
        harness.Publish(Source);

        harness.Clock.AdvanceTo(400);

        Assert.That(Marbles.Render(slow), Is.EqualTo("-----a--c--d--f--g--h"));
    }

    [Test]
    public void Close_SubscriberThatKeepsUp_ReceivesEverythingAndStaysOpen()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.Close(), HistoryCount = 4 });
        (FakeOutlet slow, _) = harness.Subscribe(capacity: 1);
        slow.ReadEvery(30, first: 25, until: 400);
        harness.Publish("-a---b---c---d---e"); // one message per 40 ticks: slower than the reader

        harness.Clock.AdvanceTo(400);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(slow.DataText, Is.EqualTo("abcde"));
            Assert.That(slow.ClosedWith, Is.Null);
        }
    }

    [Test]
    public void Close_OwedMessageLeavesHistory_ClosesWithTheCodeAndReason()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.Close(CloseCode.TryAgainLater, "too slow"), HistoryCount = 4 });
        (FakeOutlet stalled, _) = harness.Subscribe(capacity: 1); // holds "subscribed" and never reads
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");

        harness.Publish("-abcd");
        harness.Clock.AdvanceTo(40);
        Assert.That(stalled.ClosedWith, Is.Null, "a, b, c, d are still in history: lossless so far");

        harness.Publish("-----e");
        harness.Clock.AdvanceTo(50);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stalled.ClosedWith, Is.EqualTo((CloseCode.TryAgainLater, "too slow")), "a left the history: it would be lost");
            Assert.That(fast.DataText, Is.EqualTo("abcde"), "the others go on");
            Assert.That(harness.Topic.SubscriberCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void Close_WithMaxBehind_ClosesWhenWaitingTooFarBehind()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.Close(CloseCode.PolicyViolation, "slow", maxBehind: 2) });
        (FakeOutlet stalled, _) = harness.Subscribe(capacity: 1);

        harness.Publish("-ab");
        harness.Clock.AdvanceTo(20);
        Assert.That(stalled.ClosedWith, Is.Null, "two behind");

        harness.Publish("---c");
        harness.Clock.AdvanceTo(30);

        Assert.That(stalled.ClosedWith, Is.EqualTo((CloseCode.PolicyViolation, "slow")));
    }

    [Test]
    public void Policies_OneSubscriberStalledForever_PublisherAndOthersUnaffectedAndItOwesNothingButAPosition()
    {
        using var harness = new TopicHarness(new TopicOptions { FlowPolicy = FlowPolicy.DropOldest(100), HistoryCount = 100 });
        (FakeOutlet stalled, TopicSubscriber stalledSubscriber) = harness.Subscribe(capacity: 1, id: "stalled");
        (FakeOutlet fast, _) = harness.Subscribe(id: "fast");

        for (int i = 0; i < 10_000; i++)
        {
            harness.PublishNow("x");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fast.Data.Count(), Is.EqualTo(10_000));
            Assert.That(stalled.Buffered, Is.EqualTo(1), "the stalled connection holds what it accepted, nothing more");
            Assert.That(stalledSubscriber.State, Is.EqualTo(SubscriberState.Behind));
            Assert.That(harness.Topic.HistoryLength, Is.EqualTo(100), "what it is owed is the topic's bounded history");
            Assert.That(stalled.Refused, Is.EqualTo(1), "once behind, the publisher no longer even tries it");
        }
    }

    [Test]
    public void Publish_ManySubscribers_ShareOneFrame()
    {
        using var harness = new TopicHarness();
        (FakeOutlet a, _) = harness.Subscribe(id: "a");
        (FakeOutlet b, _) = harness.Subscribe(id: "b");
        var frames = new System.Collections.Generic.List<PreparedMessage>();
        var recording = new RecordingOutlet(frames);
        harness.Topic.Attach(recording, FlowPolicy.Default, null, null, System.Threading.CancellationToken.None);
        var second = new RecordingOutlet(frames);
        harness.Topic.Attach(second, FlowPolicy.Default, null, null, System.Threading.CancellationToken.None);
        frames.Clear();

        harness.PublishNow("v");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(frames, Has.Count.EqualTo(2));
            Assert.That(frames[0], Is.SameAs(frames[1]), "serialised and framed once, the same object to every connection");
            Assert.That(a.DataText + b.DataText, Is.EqualTo("vv"));
        }
    }

    /// <summary>An outlet that keeps the frame objects it was handed.</summary>
    private sealed class RecordingOutlet(System.Collections.Generic.List<PreparedMessage> frames) : IFeedOutlet
    {
        public string Id => "recording";

        public bool IsOpen => true;

        public bool TrySend(PreparedMessage frame)
        {
            frames.Add(frame);
            return true;
        }

        public System.Threading.Tasks.ValueTask WaitForRoomAsync(System.Threading.CancellationToken cancellationToken) => default;

        public System.Threading.Tasks.ValueTask SendAsync(Message message, System.Threading.CancellationToken cancellationToken) => default;

        public void Close(CloseCode code, string reason)
        {
        }
    }
}
