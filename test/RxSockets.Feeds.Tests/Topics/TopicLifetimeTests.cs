using System;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading;
using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

/// <summary>The source's lifetime (subscribed once, linger in virtual time, completion, failure) and unsubscribing.</summary>
[TestFixture]
public sealed class TopicLifetimeTests
{
    private VirtualClock _clock = null!;
    private FeedHub _hub = null!;
    private Subject<string> _subject = null!;
    private int _subscriptions;
    private int _disposals;

    [SetUp]
    public void SetUp()
    {
        _clock = new VirtualClock();
        _hub = new FeedHub(new FeedHubOptions { TimeProvider = _clock.Time });
        _subject = new Subject<string>();
        _subscriptions = 0;
        _disposals = 0;
    }

    [TearDown]
    public void TearDown()
    {
        _hub.Dispose();
        _subject.Dispose();
    }

    [Test]
    public void Source_ManySubscribers_SubscribedOnceAndOnlyWhenTheFirstArrives()
    {
        FeedTopic topic = Publish(new TopicOptions());
        Assert.That(_subscriptions, Is.Zero, "nothing runs before a subscriber");

        FakeOutlet[] clients = [.. Enumerable.Range(0, 5).Select(i => Attach(topic, $"c{i}").Outlet)];
        _subject.OnNext("x");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_subscriptions, Is.EqualTo(1));
            Assert.That(clients.Select(c => c.DataText), Is.All.EqualTo("x"));
            Assert.That(topic.SubscriberCount, Is.EqualTo(5));
        }
    }

    [Test]
    public void Source_LastSubscriberLeaves_UnsubscribedAfterTheLinger()
    {
        FeedTopic topic = Publish(new TopicOptions { Linger = VirtualClock.Ticks(100) });
        (_, TopicSubscriber subscriber) = Attach(topic);
        _clock.AdvanceTo(50);
        topic.Drop(subscriber);

        _clock.AdvanceTo(149);
        Assert.That(topic.IsSourceActive, Is.True, "still lingering at 149");
        _clock.AdvanceTo(150);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topic.IsSourceActive, Is.False);
            Assert.That(_disposals, Is.EqualTo(1));
        }
    }

    [Test]
    public void Source_SubscriberReturnsWithinTheLinger_KeepsRunningAndHistoryContinues()
    {
        FeedTopic topic = Publish(new TopicOptions { Linger = VirtualClock.Ticks(100) });
        (FakeOutlet first, TopicSubscriber subscriber) = Attach(topic);
        _subject.OnNext("a");
        topic.Drop(subscriber);
        _clock.AdvanceTo(60);
        _subject.OnNext("b"); // published while nobody listens: kept in history

        (FakeOutlet back, _) = Attach(topic, since: first.Data.Last().Seq, epoch: topic.Epoch);
        _clock.AdvanceTo(1_000);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_subscriptions, Is.EqualTo(1), "the linger timer was cancelled");
            Assert.That(topic.IsSourceActive, Is.True);
            Assert.That(back.DataText, Is.EqualTo("b"), "resumed across the blink: exactly what it missed");
        }
    }

    [Test]
    public void Source_ZeroLinger_UnsubscribedAtOnce_InfiniteLinger_Never()
    {
        FeedTopic now = Publish(new TopicOptions { Linger = TimeSpan.Zero }, "now");
        (_, TopicSubscriber a) = Attach(now);
        now.Drop(a);
        Assert.That(now.IsSourceActive, Is.False);

        FeedTopic never = Publish(new TopicOptions { Linger = Timeout.InfiniteTimeSpan }, "never");
        (_, TopicSubscriber b) = Attach(never);
        never.Drop(b);
        _clock.AdvanceTo(10_000_000);
        Assert.That(never.IsSourceActive, Is.True);
    }

    [Test]
    public void Source_Completes_SubscribersAreToldAndTheNextSubscriptionRunsItAgain()
    {
        FeedTopic topic = Publish(new TopicOptions());
        (FakeOutlet client, TopicSubscriber subscriber) = Attach(topic);
        _subject.OnNext("a");
        _subject.OnCompleted();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "data", "unsubscribed" }));
            Assert.That(client.Received[^1].Envelope.Reason, Is.EqualTo("completed"));
            Assert.That(subscriber.IsActive, Is.False);
            Assert.That(topic.IsSourceActive, Is.False);
        }

        Attach(topic, "again");
        Assert.That(_subscriptions, Is.EqualTo(2), "RefCount-style: a new subscriber subscribes the source again");
        Assert.That(topic.LastSequence, Is.EqualTo(1), "the sequence carries on");
    }

    [Test]
    public void Source_Fails_SubscribersAreToldWithoutDetails()
    {
        FeedTopic topic = Publish(new TopicOptions());
        (FakeOutlet client, _) = Attach(topic);
        _subject.OnError(new InvalidOperationException("secret detail"));

        Envelope last = client.Received[^1].Envelope;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(last.Type, Is.EqualTo("unsubscribed"));
            Assert.That(last.Reason, Is.EqualTo("failed"));
            Assert.That(last.Text, Does.Not.Contain("secret"));
        }
    }

    [Test]
    public void Source_ThrowsOnSubscribe_SubscribersAreToldFailed()
    {
        FeedTopic topic = _hub.Publish("t", Observable.Throw<string>(new InvalidOperationException("boom")), TestJson.Default.String);

        (FakeOutlet client, _) = Attach(topic);

        Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "unsubscribed" }));
    }

    [Test]
    public void Topic_Disposed_SubscribersGetRemovedAndNewSubscriptionsFail()
    {
        FeedTopic topic = Publish(new TopicOptions());
        (FakeOutlet client, _) = Attach(topic);

        topic.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Received[^1].Envelope.Reason, Is.EqualTo("removed"));
            Assert.That(_disposals, Is.EqualTo(1));
            Assert.That(_hub.TryGetTopic("t", out _), Is.False);
            Assert.That(topic.Attach(new FakeOutlet(_clock), FlowPolicy.Default, null, null, CancellationToken.None), Is.Null);
        }
    }

    [Test]
    public void Unsubscribe_LiveSubscriber_UnsubscribedIsTheLastMessage()
    {
        FeedTopic topic = Publish(new TopicOptions());
        (FakeOutlet client, TopicSubscriber subscriber) = Attach(topic);
        _subject.OnNext("a");

        topic.Unsubscribe(subscriber);
        _subject.OnNext("b");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "data", "unsubscribed" }));
            Assert.That(client.Received[^1].Envelope.Reason, Is.EqualTo("requested"));
            Assert.That(topic.SubscriberCount, Is.Zero);
        }
    }

    [Test]
    public void Unsubscribe_SubscriberBehind_UnsubscribedAfterWhatWasAlreadyHandedOver()
    {
        FeedTopic topic = Publish(new TopicOptions());
        (FakeOutlet client, TopicSubscriber subscriber) = Attach(topic, capacity: 2);
        _subject.OnNext("a"); // subscribed + a fill it
        _subject.OnNext("b"); // behind

        topic.Unsubscribe(subscriber);
        _subject.OnNext("c");
        client.ReadAll(); // room: its drain sends what it owes, which is only the last word now
        client.ReadAll();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Types, Is.EqualTo(new[] { "subscribed", "data", "unsubscribed" }), "b was owed but the subscriber left: dropped, not sent after");
            Assert.That(client.DataText, Is.EqualTo("a"));
        }
    }

    [Test]
    public void SubscriberBehind_CatchesUpWithRunsOfFrames_NotAFrameACall()
    {
        FeedTopic topic = Publish(new TopicOptions { HistoryCount = 1024 });
        (FakeOutlet client, _) = Attach(topic, capacity: 100);
        for (int i = 0; i < 300; i++)
        {
            _subject.OnNext(((char)('a' + (i % 26))).ToString()); // "subscribed" and 99 fill it; the rest are owed
        }

        while (client.Buffered > 0)
        {
            client.ReadAll(); // each time: room, and the drain offers what it owes in runs
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.Data.Count(), Is.EqualTo(300), "everything, in the end");
            Assert.That(client.Runs, Is.Not.Empty.And.All.InRange(1, TopicSubscriber.BatchSize));
            Assert.That(client.Runs.Max(), Is.EqualTo(TopicSubscriber.BatchSize), "a drain turn is one run");
        }
    }

    private FeedTopic Publish(TopicOptions options, string name = "t")
    {
        IObservable<string> source = Observable.Create<string>(observer =>
        {
            _subscriptions++;
            IDisposable inner = _subject.Subscribe(observer);
            return () =>
            {
                _disposals++;
                inner.Dispose();
            };
        });
        return _hub.Publish(name, source, TestJson.Default.String, options);
    }

    private (FakeOutlet Outlet, TopicSubscriber Subscriber) Attach(FeedTopic topic, string id = "client", long? since = null, string? epoch = null, int capacity = int.MaxValue)
    {
        var outlet = new FakeOutlet(_clock, id, capacity);
        TopicSubscriber subscriber = topic.Attach(outlet, topic.FlowPolicy, since, epoch, CancellationToken.None)!;
        return (outlet, subscriber);
    }
}
