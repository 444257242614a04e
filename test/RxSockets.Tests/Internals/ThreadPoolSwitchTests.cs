using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Internals;

/// <summary>The thread-pool switch that starts the connection's loops without a wrapper task per loop.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ThreadPoolSwitchTests
{
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
