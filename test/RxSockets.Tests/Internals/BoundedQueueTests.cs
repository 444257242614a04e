using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Internals;

/// <summary>
/// The incoming message queue that replaced <c>Channel.CreateBounded</c> (issue 7): order,
/// backpressure, completion, cancellation and concurrent readers.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class BoundedQueueTests
{
    [Test]
    public async Task Items_AreReadInOrder_AcrossTheRingsWrapAndGrowth()
    {
        var queue = new BoundedQueue<int>(capacity: 16, allowSynchronousContinuations: false);
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
        var queue = new BoundedQueue<int>(capacity: 2, allowSynchronousContinuations: false);
        Assert.That(queue.TryWrite(1), Is.True);
        Assert.That(queue.TryWrite(2), Is.True);
        Assert.That(queue.TryWrite(3), Is.False, "full");

        ValueTask<bool> room = queue.WaitToWriteAsync(CancellationToken.None);
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
        Assert.That(await queue.WaitToWriteAsync(CancellationToken.None), Is.True, "room: no wait");
    }

    [Test]
    public async Task WriterWaitCancelled_Throws_AndTheQueueStillWorks()
    {
        var queue = new BoundedQueue<int>(capacity: 1, allowSynchronousContinuations: false);
        queue.TryWrite(1);
        using var abort = new CancellationTokenSource();
        ValueTask<bool> room = queue.WaitToWriteAsync(abort.Token);
        await abort.CancelAsync();
        Assert.That(async () => await room, Throws.InstanceOf<OperationCanceledException>());

        ValueTask<bool> again = queue.WaitToWriteAsync(CancellationToken.None);
        Assert.That(again.IsCompleted, Is.False, "a cancelled wait leaves the writer free to wait again");
        queue.TryRead(out _);
        Assert.That(await again, Is.True);
    }

    [Test]
    public async Task Completed_ReadersDrainWhatIsLeft_ThenSeeTheEnd()
    {
        var queue = new BoundedQueue<string>(capacity: 4, allowSynchronousContinuations: false);
        ValueTask<bool> pending = queue.WaitToReadAsync(CancellationToken.None);
        Assert.That(queue.TryComplete(), Is.True);
        Assert.That(await pending, Is.False, "a waiting reader learns that nothing more comes");

        queue = new BoundedQueue<string>(capacity: 4, allowSynchronousContinuations: false);
        queue.TryWrite("left");
        Assert.That(queue.TryComplete(), Is.True);
        Assert.That(queue.TryComplete(), Is.False);
        Assert.That(queue.TryWrite("late"), Is.False);
        Assert.That(await queue.WaitToWriteAsync(CancellationToken.None), Is.False);
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.True);
        Assert.That(queue.TryRead(out string? left), Is.True);
        Assert.That(left, Is.EqualTo("left"));
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.False);
    }

    [Test]
    public async Task CompletedWithError_WaitingAndLaterReadersGetTheErrorItself_AfterTheItemsLeft()
    {
        var queue = new BoundedQueue<int>(capacity: 4, allowSynchronousContinuations: false);
        ValueTask<bool> first = queue.WaitToReadAsync(CancellationToken.None);
        ValueTask<bool> second = queue.WaitToReadAsync(CancellationToken.None);
        var error = new InvalidOperationException("closed abnormally");
        queue.TryComplete(error);
        Assert.That(async () => await first, Throws.Exception.SameAs(error));
        Assert.That(async () => await second, Throws.Exception.SameAs(error));

        queue = new BoundedQueue<int>(capacity: 4, allowSynchronousContinuations: false);
        queue.TryWrite(7);
        queue.TryComplete(error);
        Assert.That(await queue.WaitToReadAsync(CancellationToken.None), Is.True, "the item left comes first");
        Assert.That(queue.TryRead(out int item) && item == 7, Is.True);
        Assert.That(async () => await queue.WaitToReadAsync(CancellationToken.None), Throws.Exception.SameAs(error));
    }

    [Test]
    public async Task CompletedWhileTheWriterWaits_TheWriterGetsFalse()
    {
        var queue = new BoundedQueue<int>(capacity: 1, allowSynchronousContinuations: false);
        queue.TryWrite(1);
        ValueTask<bool> room = queue.WaitToWriteAsync(CancellationToken.None);
        queue.TryComplete();
        Assert.That(await room, Is.False);
    }

    [Test]
    public async Task ReaderWaitCancelled_ThrowsOnlyForThatReader_OthersStillGetTheItem()
    {
        var queue = new BoundedQueue<int>(capacity: 4, allowSynchronousContinuations: false);
        using var cts = new CancellationTokenSource();
        ValueTask<bool> cancelled = queue.WaitToReadAsync(cts.Token);
        ValueTask<bool> other = queue.WaitToReadAsync(CancellationToken.None);
        await cts.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(other.IsCompleted, Is.False);

        Assert.That(async () => await queue.WaitToReadAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>(), "a token cancelled before the wait");

        // The cancelled waiter is reused by the next wait, with a live token: the old
        // cancellation must not reach it.
        using var live = new CancellationTokenSource();
        ValueTask<bool> reused = queue.WaitToReadAsync(live.Token);
        queue.TryWrite(5);
        Assert.That(await reused, Is.True);
        Assert.That(await other, Is.True);
        Assert.That(queue.TryRead(out int item), Is.True);
        Assert.That(item, Is.EqualTo(5));
    }

    [Test]
    public async Task ConcurrentReaders_EveryItemIsReadExactlyOnce_InOrderPerReader()
    {
        const int Items = 20_000;
        var queue = new BoundedQueue<int>(capacity: 16, allowSynchronousContinuations: false);
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var mine = new List<int>();
            while (await queue.WaitToReadAsync(CancellationToken.None))
            {
                while (queue.TryRead(out int item))
                {
                    mine.Add(item);
                }
            }

            return mine;
        })).ToArray();

        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < Items; i++)
            {
                while (!queue.TryWrite(i))
                {
                    Assert.That(await queue.WaitToWriteAsync(CancellationToken.None), Is.True);
                }
            }

            queue.TryComplete();
        });

        await writer;
        List<int>[] results = await Task.WhenAll(readers);
        Assert.That(results.SelectMany(r => r).Order(), Is.EqualTo(Enumerable.Range(0, Items)));
        foreach (List<int> result in results)
        {
            Assert.That(result, Is.Ordered, "one reader sees items in the order they were written");
        }
    }

    [Test]
    public void SynchronousContinuations_AWaitingReaderRunsInsideTryWrite()
    {
        var queue = new BoundedQueue<int>(capacity: 2, allowSynchronousContinuations: true);
        int seen = -1;
        Task reader = ReadOneAsync();
        Assert.That(reader.IsCompleted, Is.False);
        queue.TryWrite(42);
        Assert.That(reader.IsCompleted, Is.True, "inline execution: the reader ran inside TryWrite");
        Assert.That(seen, Is.EqualTo(42));

        async Task ReadOneAsync()
        {
            await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false); // no test context to post to
            queue.TryRead(out seen);
        }
    }
}
