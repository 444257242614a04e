using System;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;

namespace RxSockets.Testing.Tests;

[TestFixture]
public sealed class TestSchedulerTests : ReactiveTest
{
    [Test]
    public void Start_HotObservable_RecordsWhatArrivesWhileSubscribed()
    {
        var scheduler = new TestScheduler();
        ITestableObservable<int> source = scheduler.CreateHotObservable(
            OnNext(150, 1), OnNext(210, 2), OnNext(300, 3), OnCompleted<int>(400), OnNext(500, 9));

        ITestableObserver<int> observer = scheduler.Start(() => source.Select(x => x * 10));

        ReactiveAssert.AreElementsEqual([OnNext(210, 20), OnNext(300, 30), OnCompleted<int>(400)], observer.Messages);
        ReactiveAssert.AreElementsEqual([Subscribe(200, 400)], source.Subscriptions);
    }

    [Test]
    public void Start_ColdObservable_ReplaysRelativeToSubscription()
    {
        var scheduler = new TestScheduler();
        ITestableObservable<string> source = scheduler.CreateColdObservable(OnNext(10, "a"), OnCompleted<string>(20));

        ITestableObserver<string> observer = scheduler.Start(() => source);

        ReactiveAssert.AreElementsEqual([OnNext(210, "a"), OnCompleted<string>(220)], observer.Messages);
    }

    [Test]
    public void Start_DisposesAt1000()
    {
        var scheduler = new TestScheduler();

        ITestableObserver<long> observer = scheduler.Start(() => Observable.Interval(TimeSpan.FromTicks(300), scheduler));

        ReactiveAssert.AreElementsEqual([OnNext(500, 0L), OnNext(800, 1L)], observer.Messages);
    }

    [Test]
    public void AssertMessages_Mismatch_ShowsBothTimelines()
    {
        var scheduler = new TestScheduler();
        ITestableObserver<int> observer = scheduler.Start(() => scheduler.CreateColdObservable(OnNext(10, 1), OnNext(20, 2)));

        var error = Assert.Throws<ReactiveAssertionException>(() => observer.AssertMessages(OnNext(210, 1)));

        Assert.That(error!.Message, Does.Contain("Expected:").And.Contain("Actual:").And.Contain("  >      220  OnNext(2)"));
        Assert.That(() => observer.AssertMessages(OnNext(210, 1), OnNext(220, 2)), Throws.Nothing);
    }

    [Test]
    public async Task TimeProvider_DelayCompletesOnlyWhenVirtualTimePasses()
    {
        var scheduler = new TestScheduler();
        Task delay = Task.Delay(TimeSpan.FromSeconds(20), scheduler.AsTimeProvider(), CancellationToken.None);

        scheduler.AdvanceBy(TimeSpan.FromSeconds(19).Ticks);
        bool earlyDone = delay.IsCompleted;
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        await delay;

        Assert.That(earlyDone, Is.False);
        Assert.That(scheduler.AsTimeProvider().GetElapsedTime(0), Is.EqualTo(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void AssertSubscriptions_DiagramsAndRecords_MatchTheSubscriptions()
    {
        var scheduler = new TestScheduler();
        ITestableObservable<int> source = scheduler.CreateHotObservable(OnNext(250, 1), OnCompleted<int>(400));

        scheduler.Start(() => source);

        source.AssertSubscriptions(Subscribe(200, 1000)); // Start disposes at 1000; nothing between detaches earlier
        Assert.That(() => source.AssertSubscriptions("--^-!"), Throws.TypeOf<ReactiveAssertionException>().With.Message.Contains("(20, 40)"));
    }

    [Test]
    public void AsTimeProvider_SameScheduler_SameProvider()
    {
        var scheduler = new TestScheduler();

        TimeProvider first = scheduler.AsTimeProvider();

        Assert.That(scheduler.AsTimeProvider(), Is.SameAs(first));
        Assert.That(new TestScheduler().AsTimeProvider(), Is.Not.SameAs(first));
    }

    [Test]
    public void AsTimeProvider_HistoricalScheduler_TimersFireOnItsClock()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var scheduler = new HistoricalScheduler(start);
        TimeProvider time = scheduler.AsTimeProvider();
        int fired = 0;
        using ITimer timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        scheduler.AdvanceBy(TimeSpan.FromSeconds(59));
        int early = fired;
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1));

        Assert.That(early, Is.Zero);
        Assert.That(fired, Is.EqualTo(1));
        Assert.That(time.GetUtcNow(), Is.EqualTo(start.AddMinutes(1)));
    }

    [Test]
    public void TimeProvider_PeriodicTimer_FiresEveryPeriodUntilDisposed()
    {
        var scheduler = new TestScheduler();
        int fired = 0;
        using ITimer timer = scheduler.AsTimeProvider().CreateTimer(_ => fired++, null, TimeSpan.FromTicks(10), TimeSpan.FromTicks(5));

        scheduler.AdvanceTo(30);
        timer.Dispose();
        scheduler.AdvanceTo(100);

        Assert.That(fired, Is.EqualTo(5)); // at 10, 15, 20, 25, 30
    }
}
