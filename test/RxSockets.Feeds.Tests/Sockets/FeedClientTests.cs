using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

/// <summary>The .NET feed client against a real hub over sockets: subscribing, resuming across dropped connections, resets, refusals, leaving.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class FeedClientTests
{
    private static readonly ReconnectOptions FastReconnect = new() { Backoff = Backoff.Fixed(TimeSpan.FromMilliseconds(20)) };

    [Test]
    public async Task Topic_AcrossDroppedConnections_EveryMessageOnceInOrder(CancellationToken cancellationToken)
    {
        const int count = 300;
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub => hub.Publish("t", source, TestJson.Default.String));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);
        await using var feed = new FeedClient(server.Uri, reconnect: FastReconnect);
        var items = Channel.CreateUnbounded<FeedItem>();
        using IDisposable subscription = feed.Topic("t").Subscribe(item => items.Writer.TryWrite(item), error => items.Writer.TryComplete(error));
        await FeedServer.WaitUntilAsync(() => topic!.SubscriberCount == 1, cancellationToken);

        var received = new List<FeedItem>();
        for (int i = 1; i <= count; i++)
        {
            source.OnNext($"m{i}");
            if (i is 100 or 200)
            {
                // Wait for the message just published, then drop the connection while the next ones go out.
                while (received.Count < i)
                {
                    received.Add(await items.Reader.ReadAsync(cancellationToken));
                }

                server.DropAll();
            }
        }

        while (received.Count < count)
        {
            received.Add(await items.Reader.ReadAsync(cancellationToken));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(received.Select(item => item.Kind), Is.All.EqualTo(FeedItemKind.Data), "history covered every gap: no reset");
            Assert.That(received.Select(item => item.Sequence), Is.EqualTo(Enumerable.Range(1, count).Select(i => (long)i)), "exactly once each, in order");
            Assert.That(received.Select(item => item.Data.GetString()), Is.EqualTo(Enumerable.Range(1, count).Select(i => $"m{i}")));
            Assert.That(received[0].GetData(TestJson.Default.String), Is.EqualTo("m1"));
            Assert.That(feed.Socket.Status.Attempt, Is.GreaterThanOrEqualTo(0));
        }
    }

    [Test]
    public async Task Topic_ResumeOlderThanHistory_ResetThenTheNewestThenLive(CancellationToken cancellationToken)
    {
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub => hub.Publish("t", source, TestJson.Default.String, new TopicOptions { HistoryCount = 2 }));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);

        // The second connection waits for the gate, so the messages below are published while the client is away.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int connects = 0;
        ReconnectingWebSocket socket = WebSocketClient.Reconnecting(
            async ct =>
            {
                if (Interlocked.Increment(ref connects) > 1)
                {
                    await gate.Task.WaitAsync(ct);
                }

                return await WebSocketClient.ConnectAsync(server.Uri, cancellationToken: ct);
            },
            FastReconnect);
        await using var feed = new FeedClient(socket);
        var items = Channel.CreateUnbounded<FeedItem>();
        using IDisposable subscription = feed.Topic("t").Subscribe(item => items.Writer.TryWrite(item));
        await FeedServer.WaitUntilAsync(() => topic!.SubscriberCount == 1, cancellationToken);
        source.OnNext("m1");
        Assert.That((await items.Reader.ReadAsync(cancellationToken)).Sequence, Is.EqualTo(1));

        server.DropAll();
        await FeedServer.WaitUntilAsync(() => Volatile.Read(ref connects) == 2 && topic!.SubscriberCount == 0, cancellationToken);
        for (int i = 2; i <= 6; i++)
        {
            source.OnNext($"m{i}");
        }

        gate.SetResult();
        FeedItem reset = await items.Reader.ReadAsync(cancellationToken);
        await FeedServer.WaitUntilAsync(() => topic!.SubscriberCount == 1, cancellationToken);
        source.OnNext("m7");
        var after = new List<FeedItem>();
        do
        {
            after.Add(await items.Reader.ReadAsync(cancellationToken));
        }
        while (after[^1].Sequence != 7);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((reset.Kind, reset.Reason), Is.EqualTo((FeedItemKind.Reset, "history")));
            Assert.That(after.Select(item => item.Kind), Is.All.EqualTo(FeedItemKind.Data));
            Assert.That(after.Select(item => item.Sequence), Is.Ordered.Ascending.And.Unique);
            Assert.That(after[0].Sequence, Is.GreaterThan(1), "what history still holds, not the message already delivered");
            Assert.That(after[^1].Data.GetString(), Is.EqualTo("m7"));
        }
    }

    [Test]
    public async Task Topic_UnknownTopic_FailsWithTheServersCode(CancellationToken cancellationToken)
    {
        await using FeedServer server = await FeedServer.StartAsync();
        await using var feed = new FeedClient(server.Uri, reconnect: FastReconnect);

        FeedSubscriptionException? error = await Assert.ThrowsAsync<FeedSubscriptionException>(async () => await feed.Topic("nope").FirstAsync().ToTask(cancellationToken));

        Assert.That((error!.Topic, error.Code), Is.EqualTo(("nope", FeedErrorCodes.UnknownTopic)));
    }

    [Test]
    public async Task Topic_TwoObserversThenBothLeave_OneSubscriptionThenUnsubscribed(CancellationToken cancellationToken)
    {
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub => hub.Publish("t", source, TestJson.Default.String));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);
        await using var feed = new FeedClient(server.Uri, reconnect: FastReconnect);
        IObservable<FeedItem> items = feed.Topic("t");
        var first = new TaskCompletionSource<FeedItem>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<FeedItem>(TaskCreationOptions.RunContinuationsAsynchronously);

        IDisposable a = items.Subscribe(item => first.TrySetResult(item));
        await FeedServer.WaitUntilAsync(() => topic!.SubscriberCount == 1, cancellationToken);
        IDisposable b = items.Subscribe(item => second.TrySetResult(item));
        source.OnNext("x");
        FeedItem[] got = await Task.WhenAll(first.Task, second.Task).WaitAsync(cancellationToken);
        int subscribersWithTwoObservers = topic!.SubscriberCount;
        a.Dispose();
        b.Dispose();
        await FeedServer.WaitUntilAsync(() => topic.SubscriberCount == 0, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(got.Select(item => item.Sequence), Is.EqualTo(new[] { 1L, 1L }));
            Assert.That(subscribersWithTwoObservers, Is.EqualTo(1), "one server subscription for both observers");
            Assert.That(feed.Socket.Status.State, Is.EqualTo(ReconnectState.Open), "leaving a topic keeps the connection");
        }
    }

    [Test]
    public async Task DisposeAsync_CompletesEveryTopicStream(CancellationToken cancellationToken)
    {
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub => hub.Publish("t", source, TestJson.Default.String));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);
        var feed = new FeedClient(server.Uri, reconnect: FastReconnect);
        Task<IList<FeedItem>> all = feed.Topic("t").ToList().ToTask(cancellationToken);
        await FeedServer.WaitUntilAsync(() => topic!.SubscriberCount == 1, cancellationToken);

        await feed.DisposeAsync();

        Assert.That(await all.WaitAsync(cancellationToken), Is.Empty);
    }
}
