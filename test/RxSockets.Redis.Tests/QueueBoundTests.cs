using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Redis.Tests;

/// <summary>
/// A node slower than its topic: what waits between Redis and the topic is bounded, and what did
/// not fit is read back from the history, in order, without duplicates.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class QueueBoundTests
{
    [SetUp]
    public void StartLog() => TestLog.Start();

    [TearDown]
    public void WriteLogIfFailed() => TestLog.Current.WriteIfFailed();

    [Test]
    public async Task StalledTopic_ManyMorePublishedThanItsQueueHolds_QueueStaysBoundedThenItCatchesUpInOrder()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        string prefix = $"bound:{Guid.NewGuid():N}:";
        var options = new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = prefix, LoggerFactory = TestLog.Current.NextNode() };
        await using RedisFeedBackplane publisher = await RedisFeedBackplane.ConnectAsync(options, CancellationToken.None);
        await using RedisFeedBackplane slow = await RedisFeedBackplane.ConnectAsync(options, CancellationToken.None);
        const int history = 300;
        const int published = 1_000;
        using IFeedBackplaneTopic source = publisher.Join("t", history, new StalledReceiver());
        var stalled = new StalledReceiver();
        using var link = (RedisTopicLink)slow.Join("t", history, stalled);

        source.Publish(null, """{"data":"first"}""");
        await stalled.FirstCall.WaitAsync(TimeSpan.FromSeconds(30)); // the slow node is inside Receive now, and stays there
        for (int i = 2; i <= published; i++)
        {
            source.Publish(null, $$"""{"data":"m{{i}}"}""");
        }

        await publisher.FlushAsync(CancellationToken.None);
        await WaitUntilAsync(() => link.QueuedCount >= link.QueueCapacity); // the channel delivered more than fits
        int queuedWhileStalled = link.QueuedCount;
        stalled.Release();
        await WaitUntilAsync(() => stalled.Newest == published);

        long[] seqs = stalled.Sequences();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(link.QueueCapacity, Is.EqualTo(history));
            Assert.That(queuedWhileStalled, Is.LessThanOrEqualTo(link.QueueCapacity), "bounded whatever the publisher does");
            Assert.That(seqs, Is.Ordered.Ascending.And.Unique, "in order, nothing twice");
            Assert.That(seqs[0], Is.EqualTo(1));
            Assert.That(seqs[^1], Is.EqualTo(published));
            Assert.That(seqs.Length, Is.GreaterThanOrEqualTo(history), "at least the history's worth is read back");
            Assert.That(slow.MessagesLost, Is.EqualTo(published - seqs.Length), "what the history no longer held is counted (the topic resets its subscribers for it)");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out");
            await Task.Delay(10); // polling the link's state; the bound is the deadline above
        }
    }

    /// <summary>A receiver whose first call blocks until <see cref="Release"/>.</summary>
    private sealed class StalledReceiver : IFeedReceiver
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<long> _seqs = [];
        private long _newest;

        public Task FirstCall => _first.Task;

        public long Newest => Interlocked.Read(ref _newest);

        public void Release() => _released.TrySetResult();

        public long[] Sequences()
        {
            lock (_seqs)
            {
                return [.. _seqs];
            }
        }

        public void Receive(string epoch, ReadOnlySpan<FeedRecord> records)
        {
            lock (_seqs)
            {
                foreach (FeedRecord record in records)
                {
                    _seqs.Add(record.Sequence);
                }
            }

            if (records.Length > 0)
            {
                Interlocked.Exchange(ref _newest, records[^1].Sequence);
                _first.TrySetResult();
                _released.Task.Wait(TimeSpan.FromSeconds(30)); // the link's loop thread: blocking it is the point
            }
        }
    }
}
