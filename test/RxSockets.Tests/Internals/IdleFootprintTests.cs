using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Internals;

/// <summary>
/// The small pieces that replaced framework types to cut the memory of an idle connection (issue 7):
/// the send queue's single-reader channel and the thread-pool switch that starts the loops.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class IdleFootprintTests
{
    [Test]
    public async Task Channel_ItemsWrittenBeforeAndDuringAWait_AreReadInOrder()
    {
        var channel = new SingleReaderChannel<int>(allowSynchronousContinuations: false);
        Assert.That(channel.Writer.TryWrite(1), Is.True);
        Assert.That(await channel.Reader.WaitToReadAsync(), Is.True);
        Assert.That(channel.Reader.TryRead(out int first), Is.True);
        Assert.That(channel.Reader.TryRead(out _), Is.False);

        ValueTask<bool> wait = channel.Reader.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False, "nothing queued: the reader waits");
        Task writer = Task.Run(() =>
        {
            channel.Writer.TryWrite(2);
            channel.Writer.TryWrite(3);
        });
        Assert.That(await wait, Is.True);
        await writer;
        Assert.That(channel.Reader.TryRead(out int second), Is.True);
        Assert.That(await channel.Reader.WaitToReadAsync(), Is.True);
        Assert.That(channel.Reader.TryRead(out int third), Is.True);
        Assert.That(new[] { first, second, third }, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public async Task Channel_Completed_DrainsWhatIsLeftThenWaitReturnsFalseAndWritesFail()
    {
        var channel = new SingleReaderChannel<string>(allowSynchronousContinuations: false);
        ValueTask<bool> pending = channel.Reader.WaitToReadAsync();
        Assert.That(channel.Writer.TryComplete(), Is.True);
        Assert.That(await pending, Is.False, "a waiting reader learns that nothing more comes");

        channel = new SingleReaderChannel<string>(allowSynchronousContinuations: false);
        channel.Writer.TryWrite("left");
        Assert.That(channel.Writer.TryComplete(), Is.True);
        Assert.That(channel.Writer.TryComplete(), Is.False);
        Assert.That(channel.Writer.TryWrite("late"), Is.False);
        Assert.That(await channel.Writer.WaitToWriteAsync(), Is.False);
        Assert.That(await channel.Reader.WaitToReadAsync(), Is.True);
        Assert.That(channel.Reader.TryRead(out string? left), Is.True);
        Assert.That(left, Is.EqualTo("left"));
        Assert.That(await channel.Reader.WaitToReadAsync(), Is.False);
    }

    [Test]
    public async Task Channel_CompletedWithError_WaitThrowsTheError()
    {
        var channel = new SingleReaderChannel<int>(allowSynchronousContinuations: false);
        ValueTask<bool> pending = channel.Reader.WaitToReadAsync();
        var error = new InvalidOperationException("boom");
        channel.Writer.TryComplete(error);
        Assert.That(async () => await pending, Throws.Exception.SameAs(error));
        Assert.That(async () => await channel.Reader.WaitToReadAsync(), Throws.Exception.SameAs(error));
    }

    [Test]
    public async Task Channel_WaitCancelled_ThrowsAndTheNextWaitStillWorks()
    {
        var channel = new SingleReaderChannel<int>(allowSynchronousContinuations: false);
        using var cts = new CancellationTokenSource();
        ValueTask<bool> wait = channel.Reader.WaitToReadAsync(cts.Token);
        await cts.CancelAsync();
        Assert.That(async () => await wait, Throws.InstanceOf<OperationCanceledException>());

        // A token cancelled before the wait, then a wait with a live token: the old cancellation
        // must not end the new wait.
        Assert.That(async () => await channel.Reader.WaitToReadAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>());
        using var live = new CancellationTokenSource();
        ValueTask<bool> next = channel.Reader.WaitToReadAsync(live.Token);
        Assert.That(next.IsCompleted, Is.False);
        channel.Writer.TryWrite(7);
        Assert.That(await next, Is.True);
        Assert.That(channel.Reader.TryRead(out int item) && item == 7, Is.True);
    }

    [Test]
    public async Task Channel_SecondConcurrentWait_Throws()
    {
        var channel = new SingleReaderChannel<int>(allowSynchronousContinuations: false);
        ValueTask<bool> first = channel.Reader.WaitToReadAsync();
        Assert.That(() => channel.Reader.WaitToReadAsync(), Throws.InvalidOperationException);
        channel.Writer.TryWrite(1);
        Assert.That(await first, Is.True);
    }

    [Test]
    public async Task Channel_ManyWriters_EveryItemArrivesOnce()
    {
        const int Writers = 4;
        const int PerWriter = 2_000;
        var channel = new SingleReaderChannel<int>(allowSynchronousContinuations: false);
        Task[] writers = new Task[Writers];
        for (int w = 0; w < Writers; w++)
        {
            int offset = w * PerWriter;
            writers[w] = Task.Run(() =>
            {
                for (int i = 0; i < PerWriter; i++)
                {
                    channel.Writer.TryWrite(offset + i);
                }
            });
        }

        _ = Task.WhenAll(writers).ContinueWith(_ => channel.Writer.TryComplete(), TaskScheduler.Default);
        bool[] seen = new bool[Writers * PerWriter];
        int count = 0;
        while (await channel.Reader.WaitToReadAsync())
        {
            while (channel.Reader.TryRead(out int item))
            {
                Assert.That(seen[item], Is.False, $"item {item} read twice");
                seen[item] = true;
                count++;
            }
        }

        Assert.That(count, Is.EqualTo(Writers * PerWriter));
    }

    [Test]
    public async Task ThreadPoolSwitch_LeavesACustomSchedulerForTheThreadPool()
    {
        // Task.Yield would resume on the current (custom) scheduler; the switch, like Task.Run, does not.
        var scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        TaskScheduler? after = null;
        bool onPool = false;
        await Task.Factory.StartNew(async () =>
        {
            Assert.That(TaskScheduler.Current, Is.SameAs(scheduler));
            await ThreadPoolSwitch.Yield();
            after = TaskScheduler.Current;
            onPool = Thread.CurrentThread.IsThreadPoolThread;
        }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        Assert.That(after, Is.SameAs(TaskScheduler.Default));
        Assert.That(onPool, Is.True);
    }

    [Test]
    public async Task ThreadPoolSwitch_Stay_GoesOnInline()
    {
        int thread = Environment.CurrentManagedThreadId;
        ValueTask stay = Stay();
        Assert.That(stay.IsCompleted, Is.True, "stay: true must not leave the calling thread");
        await stay;

        async ValueTask Stay()
        {
            await ThreadPoolSwitch.Yield(stay: true);
            Assert.That(Environment.CurrentManagedThreadId, Is.EqualTo(thread));
        }
    }

    [Test]
    public async Task ThreadPoolSwitch_FlowsTheExecutionContext()
    {
        var local = new AsyncLocal<string?> { Value = "flows" };
        string? seen = null;
        await Run();
        Assert.That(seen, Is.EqualTo("flows"));

        async Task Run()
        {
            await ThreadPoolSwitch.Yield();
            seen = local.Value;
        }
    }
}
