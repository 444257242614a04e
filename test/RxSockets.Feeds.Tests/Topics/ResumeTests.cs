using System.Linq;
using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// Subscribing and resuming in virtual time: a fresh subscriber gets the snapshot, a resuming one
/// exactly what it missed (no gap, no duplicate) or an explicit reset when history cannot cover it.
/// </summary>
[TestFixture]
public sealed class ResumeTests
{
    [Test]
    public void Subscribe_Fresh_GetsSubscribedThenTheNewestThenLive()
    {
        using var harness = new TopicHarness();
        harness.Subscribe(id: "first"); // starts the source
        harness.PublishNow("a");
        harness.PublishNow("b");

        (FakeOutlet client, _) = harness.Subscribe();
        harness.PublishNow("c");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "data", "data" }));
            Assert.That(client.Received[0].Envelope.Seq, Is.EqualTo(2), "subscribed carries the newest sequence");
            Assert.That(client.Received[0].Envelope.Epoch, Is.EqualTo(harness.Topic.Epoch));
            Assert.That(client.DataText, Is.EqualTo("bc"));
        }
    }

    [Test]
    public void Subscribe_FreshToAKeyedTopic_GetsTheNewestOfEveryKeyInSequenceOrder()
    {
        using var harness = new TopicHarness(key: v => v.ToUpperInvariant());
        harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "A", "c", "B" })
        {
            harness.PublishNow(value); // keys A, B, A, C, B
        }

        (FakeOutlet client, _) = harness.Subscribe();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.DataText, Is.EqualTo("AcB"), "A (3), C (4), B (5): one per key, in sequence order");
            Assert.That(client.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 3, 4, 5 }));
        }
    }

    [Test]
    public void Resume_MissedMessagesInHistory_GetsExactlyThoseThenLive()
    {
        using var harness = new TopicHarness();
        (FakeOutlet first, _) = harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "c", "d", "e" })
        {
            harness.PublishNow(value);
        }

        Envelope lastSeen = first.Data.ElementAt(1); // the client saw a and b, then its connection dropped
        (FakeOutlet resumed, _) = harness.Subscribe(since: lastSeen.Seq, epoch: harness.Topic.Epoch);
        harness.PublishNow("f");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resumed.Types, Is.EqualTo(new[] { "subscribed", "data", "data", "data", "data" }), "no reset");
            Assert.That(resumed.DataText, Is.EqualTo("cdef"));
            Assert.That(resumed.Data.Select(e => e.Seq), Is.EqualTo(new long[] { 3, 4, 5, 6 }));
        }
    }

    [Test]
    public void Resume_SinceTheNewest_GetsOnlyLive()
    {
        using var harness = new TopicHarness();
        harness.Subscribe(id: "first");
        harness.PublishNow("a");
        harness.PublishNow("b");

        (FakeOutlet resumed, _) = harness.Subscribe(since: 2, epoch: harness.Topic.Epoch);
        harness.PublishNow("c");

        Assert.That(resumed.DataText, Is.EqualTo("c"));
    }

    [Test]
    public void Resume_SinceZeroWithFullHistory_GetsEverything()
    {
        using var harness = new TopicHarness();
        harness.Subscribe(id: "first");
        harness.PublishNow("a");
        harness.PublishNow("b");

        (FakeOutlet resumed, _) = harness.Subscribe(since: 0, epoch: harness.Topic.Epoch);

        Assert.That(resumed.DataText, Is.EqualTo("ab"));
    }

    [Test]
    public void Subscribe_SinceZeroWithoutEpoch_GetsAllThatHistoryHoldsAndNoReset()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryCount = 3 });
        harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "c", "d", "e" })
        {
            harness.PublishNow(value);
        }

        (FakeOutlet client, _) = harness.Subscribe(since: 0, epoch: null);
        harness.PublishNow("f");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "data", "data", "data", "data" }), "a client with nothing has nothing to reset");
            Assert.That(client.DataText, Is.EqualTo("cdef"));
        }
    }

    [Test]
    public void Resume_OlderThanHistoryCount_GetsResetThenSnapshotThenLive()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryCount = 3 });
        harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "c", "d", "e", "f" })
        {
            harness.PublishNow(value); // history keeps d, e, f
        }

        (FakeOutlet resumed, _) = harness.Subscribe(since: 2, epoch: harness.Topic.Epoch); // needs c

        harness.PublishNow("g");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resumed.Types, Is.EqualTo(new[] { "subscribed", "reset", "data", "data" }));
            Assert.That(resumed.Received[1].Envelope.Reason, Is.EqualTo("history"));
            Assert.That(resumed.DataText, Is.EqualTo("fg"), "after a reset: the snapshot (the newest), then live");
        }
    }

    [Test]
    public void Resume_JustCoveredByHistoryCount_NoReset()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryCount = 3 });
        harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "c", "d", "e", "f" })
        {
            harness.PublishNow(value);
        }

        (FakeOutlet resumed, _) = harness.Subscribe(since: 3, epoch: harness.Topic.Epoch); // needs d, the oldest kept

        Assert.That(resumed.Types, Is.EqualTo(new[] { "subscribed", "data", "data", "data" }));
        Assert.That(resumed.DataText, Is.EqualTo("def"));
    }

    [Test]
    public void Resume_OlderThanHistoryAge_GetsReset()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryAge = VirtualClock.Ticks(100) });
        harness.Subscribe(id: "first");
        harness.Publish("-ab"); // a at 10, b at 20
        harness.Clock.AdvanceTo(500);
        harness.PublishNow("c"); // at 500: a and b are older than 100 ticks

        (FakeOutlet tooOld, _) = harness.Subscribe(since: 1, epoch: harness.Topic.Epoch);
        (FakeOutlet fresh, _) = harness.Subscribe(since: 2, epoch: harness.Topic.Epoch, id: "fresh");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tooOld.Types, Is.EqualTo(new[] { "subscribed", "reset", "data" }));
            Assert.That(tooOld.DataText, Is.EqualTo("c"));
            Assert.That(fresh.Types, Is.EqualTo(new[] { "subscribed", "data" }), "c is young enough: exactly what was missed");
            Assert.That(harness.Topic.HistoryLength, Is.EqualTo(1));
        }
    }

    [Test]
    public void History_AllOlderThanAge_KeepsTheNewest()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryAge = VirtualClock.Ticks(100) });
        harness.Subscribe(id: "first");
        harness.Publish("-ab");
        harness.Clock.AdvanceTo(10_000);

        (FakeOutlet client, _) = harness.Subscribe();

        Assert.That(client.DataText, Is.EqualTo("b"), "a new subscriber still gets the newest value, however old");
    }

    [Test]
    public void Resume_OtherEpoch_GetsResetEpoch()
    {
        using var harness = new TopicHarness();
        harness.Subscribe(id: "first");
        harness.PublishNow("a");
        harness.PublishNow("b");

        (FakeOutlet restarted, _) = harness.Subscribe(since: 1, epoch: "another-server");
        (FakeOutlet noEpoch, _) = harness.Subscribe(since: 1, epoch: null, id: "no-epoch");
        (FakeOutlet ahead, _) = harness.Subscribe(since: 7, epoch: harness.Topic.Epoch, id: "ahead");

        using (Assert.EnterMultipleScope())
        {
            foreach (FakeOutlet client in new[] { restarted, noEpoch, ahead })
            {
                Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "reset", "data" }), client.Id);
                Assert.That(client.Received[1].Envelope.Reason, Is.EqualTo("epoch"), client.Id);
                Assert.That(client.DataText, Is.EqualTo("b"), client.Id);
            }
        }
    }

    [Test]
    public void Resume_KeyedTopicReset_GetsTheNewestOfEveryKey()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryCount = 2 }, key: v => v.ToUpperInvariant());
        harness.Subscribe(id: "first");
        foreach (string value in new[] { "a", "b", "c", "A", "d" })
        {
            harness.PublishNow(value);
        }

        (FakeOutlet resumed, _) = harness.Subscribe(since: 1, epoch: harness.Topic.Epoch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resumed.Types.Take(2), Is.EqualTo(new[] { "subscribed", "reset" }));
            Assert.That(resumed.DataText, Is.EqualTo("bcAd"), "B (2), C (3), A (4), D (5): every key's state, though history kept only 2");
        }
    }

    [Test]
    public void Resume_LongReplayToASlowClientWhileLive_NoGapNoDuplicate()
    {
        using var harness = new TopicHarness(new TopicOptions { HistoryCount = 1024 });
        harness.Subscribe(id: "first");
        for (int i = 0; i < 300; i++)
        {
            harness.PublishNow("h");
        }

        (FakeOutlet resumed, _) = harness.Subscribe(capacity: 4, since: 100, epoch: harness.Topic.Epoch);
        resumed.ReadEvery(1, first: 1, until: 2000); // reads one message per tick
        harness.Clock.At(50, () => harness.PublishNow("l"));
        harness.Clock.At(150, () => harness.PublishNow("l"));
        harness.Clock.At(700, () => harness.PublishNow("l"));

        harness.Clock.AdvanceTo(2000);

        long[] seqs = [.. resumed.Data.Select(e => e.Seq)];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seqs, Is.EqualTo(Enumerable.Range(101, 203).Select(i => (long)i)), "101..303: every missed one, then the live ones, each once");
            Assert.That(resumed.Types.Count(t => t == "reset"), Is.Zero);
        }
    }
}
