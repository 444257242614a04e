using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Subjects;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// Flow policies and resume under load over real sockets: subscribers that never read among ones
/// that do, and a hundred clients whose connections are dropped while messages flow.
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class FlowSocketTests
{
    private static readonly string s_payload = new('p', 1000);

    [Test]
    public async Task StalledSubscribers_AmongReaders_ReadersGetEverythingOrTheNewestAndThePublisherNeverWaits(CancellationToken cancellationToken)
    {
        const int count = 4000; // 4 MB a topic: more than a stalled connection's transport and kernel buffers hold (about 3 MB here)
        using var all = new Subject<string>();
        using var latest = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub =>
        {
            hub.Publish("all", all, TestJson.Default.String, new TopicOptions { HistoryCount = count, FlowPolicy = FlowPolicy.DropOldest(count) });
            hub.Publish("latest", latest, TestJson.Default.String, new TopicOptions { FlowPolicy = FlowPolicy.Latest });
        });
        server.Hub.TryGetTopic("all", out FeedTopic? allTopic);
        server.Hub.TryGetTopic("latest", out FeedTopic? latestTopic);

        var stalled = new List<StalledClient>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                stalled.Add(await StalledClient.ConnectAndSubscribeAsync(server.Uri, "all", cancellationToken));
                stalled.Add(await StalledClient.ConnectAndSubscribeAsync(server.Uri, "latest", cancellationToken));
            }

            TestFeedClient[] readers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => server.ConnectAsync(cancellationToken: cancellationToken)));
            foreach (TestFeedClient reader in readers)
            {
                await reader.SubscribeAsync("all", cancellationToken: cancellationToken);
                await reader.SubscribeAsync("latest", cancellationToken: cancellationToken);
                await reader.ExpectAsync("subscribed", cancellationToken);
                await reader.ExpectAsync("subscribed", cancellationToken);
            }

            Task<(List<long> All, List<long> Latest)>[] reading = [.. readers.Select(r => ReadUntilAsync(r, count, cancellationToken))];

            // The publisher: a tight loop. It never waits, whoever does not read.
            for (int i = 0; i < count; i++)
            {
                all.OnNext(s_payload);
                latest.OnNext(s_payload);
            }

            (List<long> All, List<long> Latest)[] received = await Task.WhenAll(reading);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(allTopic!.BehindCount, Is.EqualTo(5), "the five that never read hold only a position");
                Assert.That(allTopic.HistoryLength, Is.LessThanOrEqualTo(count), "what they are owed is bounded by the history");
                foreach ((List<long> allSeqs, List<long> latestSeqs) in received)
                {
                    Assert.That(allSeqs, Is.EqualTo(Enumerable.Range(1, count).Select(i => (long)i)), "every message, once, in order");
                    Assert.That(latestSeqs, Is.Ordered.Ascending.And.Unique, "never an older value after a newer one");
                    Assert.That(latestSeqs[^1], Is.EqualTo(count), "and the newest arrives");
                }
            }

            foreach (TestFeedClient reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
        finally
        {
            stalled.ForEach(s => s.Dispose());
        }
    }

    [Test]
    public async Task ClosePolicy_StalledSubscriberFallsOutOfHistory_Closed1013WithTheReason_AndItsResumeIsReset(CancellationToken cancellationToken)
    {
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub =>
            hub.Publish("t", source, TestJson.Default.String, new TopicOptions { HistoryCount = 200, FlowPolicy = FlowPolicy.Close(CloseCode.TryAgainLater, "too slow") }));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);
        using StalledClient stalled = await StalledClient.ConnectAndSubscribeAsync(server.Uri, "t", cancellationToken);

        for (int i = 0; i < 4000; i++)
        {
            source.OnNext(s_payload); // 4 MB: far more than the stalled connection's buffers
        }

        (CloseStatus status, List<long> seqs) = await stalled.ReadUntilCloseAsync(cancellationToken);
        await using TestFeedClient resumed = await server.ConnectAsync(cancellationToken: cancellationToken);
        await resumed.SubscribeAsync("t", since: seqs.Count, epoch: topic!.Epoch, cancellationToken: cancellationToken);
        await resumed.ExpectAsync("subscribed", cancellationToken);
        Envelope reset = await resumed.ExpectAsync("reset", cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((status.Code, status.Reason), Is.EqualTo((CloseCode.TryAgainLater, "too slow")));
            Assert.That(seqs, Is.EqualTo(Enumerable.Range(1, seqs.Count).Select(i => (long)i)), "it got what fitted, in order, then the close: nothing was skipped");
            Assert.That(seqs, Has.Count.LessThan(4000));
            Assert.That(reset.Reason, Is.EqualTo("history"));
        }
    }

    [Test]
    public async Task Resume_HundredClientsDroppedTwiceWhileMessagesFlow_LoseNothingAndDuplicateNothing(CancellationToken cancellationToken)
    {
        const int clients = 100;
        const int count = 1500;
        using var source = new Subject<string>();
        await using FeedServer server = await FeedServer.StartAsync(publish: hub =>
            hub.Publish("t", source, TestJson.Default.String, new TopicOptions { HistoryCount = count }));
        server.Hub.TryGetTopic("t", out FeedTopic? topic);

        var subscriptions = new Counter();
        Task<ResumingResult>[] running = [.. Enumerable.Range(0, clients).Select(_ => RunResumingClientAsync(server.Uri, count, subscriptions, cancellationToken))];
        await FeedServer.WaitUntilAsync(() => subscriptions.Value == clients, cancellationToken);

        // Drop every connection at 500, and again at 1000 once every client is back (messages keep
        // flowing meanwhile, and the publisher waits only if it would otherwise finish first).
        int drops = 0;
        for (int i = 1; i <= count; i++)
        {
            source.OnNext("m");
            if ((drops == 0 && i >= 500) || (drops == 1 && i >= 1000 && subscriptions.Value == 2 * clients))
            {
                server.DropAll();
                drops++;
            }

            while (drops < 2 && i >= count - 100 && subscriptions.Value < 2 * clients)
            {
                await Task.Delay(10, cancellationToken);
            }

            if (i % 50 == 0)
            {
                await Task.Yield();
            }
        }

        ResumingResult[] results = await Task.WhenAll(running);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.Connections), Is.All.EqualTo(3), "each client was dropped twice and came back");
            Assert.That(results.Sum(r => r.Resets), Is.Zero);
            foreach (ResumingResult result in results)
            {
                Assert.That(result.Seqs, Is.EqualTo(Enumerable.Range(1, count).Select(i => (long)i)), "exactly once each, in order, across the reconnects");
            }

            Assert.That(topic!.LastSequence, Is.EqualTo(count));
        }
    }

    private sealed record ResumingResult(List<long> Seqs, int Connections, int Resets);

    private sealed class Counter
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }

    /// <summary>A client that resumes with the last sequence it saw each time its connection drops, until it has <paramref name="last"/>.</summary>
    private static async Task<ResumingResult> RunResumingClientAsync(Uri uri, long last, Counter subscriptions, CancellationToken cancellationToken)
    {
        var seqs = new List<long>();
        long? since = null;
        string? epoch = null;
        int connections = 0;
        int resets = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await using TestFeedClient client = await TestFeedClient.ConnectAsync(uri, cancellationToken: cancellationToken);
                connections++;
                await client.SubscribeAsync("t", since, epoch, cancellationToken);
                while (true)
                {
                    Envelope envelope = await client.ReceiveAsync(cancellationToken);
                    switch (envelope.Type)
                    {
                        case "subscribed":
                            epoch = envelope.Epoch;
                            subscriptions.Increment();
                            break;
                        case "reset":
                            resets++;
                            break;
                        case "data":
                            seqs.Add(envelope.Seq);
                            since = envelope.Seq;
                            if (envelope.Seq == last)
                            {
                                return new ResumingResult(seqs, connections, resets);
                            }

                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is ConnectionClosedException or HandshakeException or System.IO.IOException or System.Net.Sockets.SocketException)
            {
                // dropped: reconnect and resume
            }
        }
    }

    /// <summary>Reads a reader's two topics until each has the last sequence.</summary>
    private static async Task<(List<long> All, List<long> Latest)> ReadUntilAsync(TestFeedClient reader, long last, CancellationToken cancellationToken)
    {
        var all = new List<long>();
        var latest = new List<long>();
        while (all.LastOrDefault() != last || latest.LastOrDefault() != last)
        {
            Envelope envelope = await reader.ReceiveAsync(cancellationToken);
            if (envelope.Type == "data")
            {
                (envelope.Topic == "all" ? all : latest).Add(envelope.Seq);
            }
        }

        return (all, latest);
    }
}
