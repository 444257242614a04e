using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Consumer = RxSockets.IncomingQueue<int>.Consumer;

namespace RxSockets.Tests.Internals;

/// <summary>
/// The incoming message queue: order, backpressure, completion, cancellation, one consumer style
/// at a time, and knowing when the consumer has caught up.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class IncomingQueueTests
{
    [Test]
    public async Task Items_AreReadInOrder_AcrossTheRingsWrapAndGrowth()
    {
        var queue = new IncomingQueue<int>(capacity: 16, runContinuationsAsynchronously: true);
        var read = new List<int>();
        int next = 0;
        for (int round = 0; round < 10; round++)
        {
            // Fill a varying amount (the ring wraps and grows 4 -> 8 -> 16), then take some.
            int fill = (round * 7 % 16) + 1;
            while (queue.Count < fill)
            {
                Assert.That(queue.TryWrite(next++), Is.True);
            }

            for (int i = 0; i < (fill / 2) + 1 && queue.TryRead(out int item); i++)
            {
                read.Add(item);
            }
        }

        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.True);
        while (queue.TryRead(out int item))
        {
            read.Add(item);
        }

        Assert.That(read, Is.EqualTo(Enumerable.Range(0, next)));
    }

    [Test]
    public async Task Full_TryWriteFails_AndTheWriterWaitsUntilAReadMakesRoom()
    {
        var queue = new IncomingQueue<int>(capacity: 2, runContinuationsAsynchronously: true);
        Assert.That(queue.TryWrite(1), Is.True);
        Assert.That(queue.TryWrite(2), Is.True);
        Assert.That(queue.TryWrite(3), Is.False, "full");

        ValueTask<bool> room = queue.WaitToWriteAsync();
        Assert.That(room.IsCompleted, Is.False, "full: the writer waits (backpressure)");
        Assert.That(queue.TryRead(out int first), Is.True);
        Assert.That(await room, Is.True);
        Assert.That(queue.TryWrite(3), Is.True);

        var read = new List<int> { first };
        while (queue.TryRead(out int item))
        {
            read.Add(item);
        }

        Assert.That(read, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(await queue.WaitToWriteAsync(), Is.True, "room: no wait");
    }

    [Test]
    public async Task WakeWriter_EndsTheWritersWait_OrItsNextWaitWhenItIsNotWaiting()
    {
        var queue = new IncomingQueue<int>(capacity: 1, runContinuationsAsynchronously: true);
        queue.TryWrite(1);
        ValueTask<bool> room = queue.WaitToWriteAsync();
        Assert.That(room.IsCompleted, Is.False);
        queue.WakeWriter();
        Assert.That(await room, Is.True, "woken: the writer looks again at why it waits");

        queue.WakeWriter(); // nobody waits: the next wait must not miss it
        Assert.That(await queue.WaitToWriteAsync(), Is.True);
        ValueTask<bool> later = queue.WaitToWriteAsync();
        Assert.That(later.IsCompleted, Is.False, "a wake-up counts once");
        queue.TryRead(out _);
        Assert.That(await later, Is.True);
    }

    [Test]
    public async Task Completed_TheConsumerDrainsWhatIsLeft_ThenSeesTheEnd()
    {
        var queue = new IncomingQueue<string>(capacity: 4, runContinuationsAsynchronously: true);
        ValueTask<bool> pending = queue.WaitToReadAsync(CancellationToken.None);
        queue.Complete(null);
        Assert.That(await pending, Is.False, "a waiting consumer learns that nothing more comes");

        queue = new IncomingQueue<string>(capacity: 4, runContinuationsAsynchronously: true);
        queue.TryWrite("left");
        queue.Complete(null);
        queue.Complete(new InvalidOperationException("ignored: already completed"));
        Assert.That(queue.TryWrite("late"), Is.False);
        Assert.That(await queue.WaitToWriteAsync(), Is.False);
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.True);
        Assert.That(queue.TryRead(out string? left), Is.True);
        Assert.That(left, Is.EqualTo("left"));
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.False);
    }

    [Test]
    public async Task CompletedWithError_WaitingAndLaterWaitsGetTheErrorItself_AfterTheItemsLeft()
    {
        var error = new InvalidOperationException("closed abnormally");
        var queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        ValueTask<bool> waiting = queue.WaitToReadAsync(CancellationToken.None);
        queue.Complete(error);
        Assert.That(async () => await waiting, Throws.Exception.SameAs(error));

        queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        queue.TryWrite(7);
        queue.Complete(error);
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.True, "the item left comes first");
        Assert.That(queue.TryRead(out int item) && item == 7, Is.True);
        Assert.That(async () => await queue.WaitToReadAsync(CancellationToken.None), Throws.Exception.SameAs(error));
    }

    [Test]
    public async Task CompletedWhileTheWriterWaits_TheWriterGetsFalse()
    {
        var queue = new IncomingQueue<int>(capacity: 1, runContinuationsAsynchronously: true);
        queue.TryWrite(1);
        ValueTask<bool> room = queue.WaitToWriteAsync();
        queue.Complete(null);
        Assert.That(await room, Is.False);
    }

    [Test]
    public async Task WaitCancelled_Throws_AndALaterWaitWithAnotherTokenIsNotEndedByIt()
    {
        var queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        using var cts = new CancellationTokenSource();
        ValueTask<bool> cancelled = queue.WaitToReadAsync(cts.Token);
        await cts.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await queue.WaitToReadAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>(), "a token cancelled before the wait");

        // The wait is reused with a live token: the old cancellation must not reach it.
        using var live = new CancellationTokenSource();
        ValueTask<bool> reused = queue.WaitToReadAsync(live.Token);
        Assert.That(reused.IsCompleted, Is.False);
        queue.TryWrite(5);
        Assert.That(await reused, Is.True);
        Assert.That(queue.TryRead(out int item) && item == 5, Is.True);
    }

    [Test]
    public async Task OneWriterOneConsumer_EveryItemArrivesOnce_InOrder()
    {
        const int Items = 20_000;
        var queue = new IncomingQueue<int>(capacity: 16, runContinuationsAsynchronously: true);
        Task<List<int>> consumer = Task.Run(async () =>
        {
            var read = new List<int>();
            while (await queue.WaitToReadAsync(CancellationToken.None))
            {
                while (queue.TryRead(out int item))
                {
                    read.Add(item);
                }
            }

            return read;
        });

        for (int i = 0; i < Items; i++)
        {
            while (!queue.TryWrite(i))
            {
                Assert.That(await queue.WaitToWriteAsync(), Is.True);
            }
        }

        queue.Complete(null);
        Assert.That(await consumer, Is.EqualTo(Enumerable.Range(0, Items)));
    }

    [Test]
    public void SynchronousContinuations_AWaitingConsumerRunsInsideTryWrite()
    {
        var queue = new IncomingQueue<int>(capacity: 2, runContinuationsAsynchronously: false);
        int seen = -1;
        Task reader = ReadOneAsync();
        Assert.That(reader.IsCompleted, Is.False);
        queue.TryWrite(42);
        Assert.That(reader.IsCompleted, Is.True, "inline execution: the consumer ran inside TryWrite");
        Assert.That(seen, Is.EqualTo(42));

        async Task ReadOneAsync()
        {
            await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false); // no test context to post to
            queue.TryRead(out seen);
        }
    }

    [TestCase(1, 1)]
    [TestCase(1, 2)]
    [TestCase(2, 2)]
    [TestCase(2, 3)]
    [TestCase(3, 1)]
    [TestCase(3, 2)]
    public void Claim_WhileAnotherConsumerOwnsTheMessages_Throws(int first, int second)
    {
        // 1 = Receive, 2 = ReadAll, 3 = Rx
        Consumer[] kinds = [Consumer.None, Consumer.Receive, Consumer.ReadAll, Consumer.Rx];
        var queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        queue.Claim(kinds[first]);

        Assert.That(() => queue.Claim(kinds[second]), Throws.InvalidOperationException.With.Message.Contains("one consumer style"));
    }

    [Test]
    public void Claim_OneAfterAnother_IsAllowed_AndRxStaysForGood()
    {
        var queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        queue.Claim(Consumer.Receive);
        queue.Release();
        queue.Claim(Consumer.ReadAll);
        queue.Release();
        queue.Claim(Consumer.Rx);
        queue.Claim(Consumer.Rx); // more subscribers share the pump

        Assert.That(() => queue.Claim(Consumer.Receive), Throws.InvalidOperationException);
    }

    [Test]
    public async Task WhenCaughtUp_CompletesOnceTheConsumerTookEverythingAndCameBack()
    {
        var queue = new IncomingQueue<int>(capacity: 4, runContinuationsAsynchronously: true);
        Assert.That(queue.WhenCaughtUpAsync().IsCompleted, Is.True, "nothing queued, nothing taken");

        queue.TryWrite(1);
        queue.TryWrite(2);
        Task caughtUp = queue.WhenCaughtUpAsync();
        Assert.That(queue.TryRead(out _), Is.True);
        Assert.That(queue.TryRead(out _), Is.True);
        Assert.That(caughtUp.IsCompleted, Is.False, "the consumer still works on the last message it took");

        ValueTask<bool> next = queue.WaitToReadAsync(CancellationToken.None);
        await caughtUp;
        Assert.That(next.IsCompleted, Is.False);
        queue.Complete(null);
        Assert.That(await next, Is.False);
    }
}
