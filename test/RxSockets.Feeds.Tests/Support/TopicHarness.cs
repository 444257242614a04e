using System;
using System.Reactive.Subjects;
using System.Threading;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// One topic of a hub in virtual time, fed by a subject whose values the test schedules with
/// marbles; subscribers are fake connections attached the way a session attaches them.
/// </summary>
internal sealed class TopicHarness : IDisposable
{
    public TopicHarness(TopicOptions? options = null, Func<string, string?>? key = null, string name = "t")
    {
        Hub = new FeedHub(new FeedHubOptions { TimeProvider = Clock.Time });
        Topic = Hub.Publish(name, Source, TestJson.Default.String, options, key);
    }

    public VirtualClock Clock { get; } = new();

    public Subject<string> Source { get; } = new();

    public FeedHub Hub { get; }

    public FeedTopic Topic { get; }

    /// <summary>Schedules the source's values (one character each) and ending.</summary>
    public void Publish(string diagram) =>
        Marbles.Schedule(Clock, diagram, Source.OnNext, Source.OnCompleted, Source.OnError);

    /// <summary>Publishes one value now.</summary>
    public void PublishNow(string value) => Source.OnNext(value);

    /// <summary>Attaches a fake subscriber now.</summary>
    public (FakeOutlet Outlet, TopicSubscriber Subscriber) Subscribe(int capacity = int.MaxValue, FlowPolicy? policy = null, long? since = null, string? epoch = null, string id = "fake")
    {
        var outlet = new FakeOutlet(Clock, id, capacity);
        TopicSubscriber subscriber = Topic.Attach(outlet, policy ?? Topic.FlowPolicy, since, epoch, CancellationToken.None)
            ?? throw new InvalidOperationException("the topic was removed");
        return (outlet, subscriber);
    }

    /// <summary>Attaches a fake subscriber at <paramref name="tick"/>; the outlet is returned at once.</summary>
    public FakeOutlet SubscribeAt(long tick, int capacity = int.MaxValue, FlowPolicy? policy = null, string id = "fake")
    {
        var outlet = new FakeOutlet(Clock, id, capacity);
        Clock.At(tick, () => Topic.Attach(outlet, policy ?? Topic.FlowPolicy, null, null, CancellationToken.None));
        return outlet;
    }

    public void Dispose()
    {
        Hub.Dispose();
        Source.Dispose();
    }
}
