using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>The <see cref="IObservable{T}"/> side: order, the Rx grammar, replay of the ending, sharing, re-entrancy.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ReactiveTests
{
    private const int Count = 1_000;

    [Test]
    public async Task Subscribe_ThousandMessages_ArriveInOrder()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        await Traffic.SendNumbersAsync(pair.Client, Count).Within();
        await observer.WhenCount(Count).Within();

        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(Count)));
        Assert.That(observer.TerminalCount, Is.Zero);
    }

    [Test]
    public async Task Subscribe_ThousandMessagesFromTheSink_ArriveInOrder()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Client.Subscribe(observer);

        foreach (string number in Traffic.Numbers(Count))
        {
            pair.Server.OnNext(number);
        }

        pair.Server.OnCompleted();

        Assert.That(await observer.Ended.Within(), Is.Null);
        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(Count)));
    }

    [Test]
    public async Task OnNext_ManyMessages_NeverCalledConcurrently()
    {
        await using var pair = ConnectionPair.Create();
        var first = new RecordingObserver();
        var second = new RecordingObserver();
        using var s1 = pair.Server.Subscribe(first);
        using var s2 = pair.Server.Subscribe(second);

        Task[] senders = [Traffic.SendNumbersAsync(pair.Client, Count), Task.Run(() => Traffic.SendNumbersAsync(pair.Client, Count))];
        await Task.WhenAll(senders).Within();
        await pair.Client.CloseAsync().Within();

        Assert.That(await first.Ended.Within(), Is.Null);
        Assert.That(await second.Ended.Within(), Is.Null);
        Assert.That(first.Messages, Has.Count.EqualTo(2 * Count));
        Assert.That(first.Overlaps, Is.Zero);
        Assert.That(second.Overlaps, Is.Zero);
    }

    [Test]
    public async Task Subscribe_NormalClose_ExactlyOneCompletionAndNothingAfter()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        await pair.Client.SendAsync("a");
        await pair.Client.CloseAsync().Within();
        await pair.Server.Completion.Within();
        Assert.That(await observer.Ended.Within(), Is.Null);
        await Assert.ThatAsync(async () => await pair.Client.SendAsync("too late"), Throws.InstanceOf<ConnectionClosedException>());

        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(new[] { "a" }));
        Assert.That(observer.TerminalCount, Is.EqualTo(1));
        Assert.That(observer.NotificationsAfterTerminal, Is.Zero);
    }

    [Test]
    public async Task Subscribe_AfterNormalClose_ReplaysCompletion()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.CloseAsync().Within();
        await pair.Server.Completion.Within();

        var late = new RecordingObserver();
        using var s = pair.Server.Subscribe(late);
        var later = new RecordingObserver();
        using var s2 = pair.Server.Subscribe(later);

        Assert.That(await late.Ended.Within(), Is.Null);
        Assert.That(await later.Ended.Within(), Is.Null);
        Assert.That(late.TerminalCount, Is.EqualTo(1));
        Assert.That(later.TerminalCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Subscribe_AfterErrorClose_ReplaysTheError()
    {
        await using var pair = ConnectionPair.Create();
        var first = new RecordingObserver();
        using var s1 = pair.Server.Subscribe(first);
        await pair.Client.CloseAsync(CloseCode.PolicyViolation, "go away").Within();
        Exception? firstError = await first.Ended.Within();

        var late = new RecordingObserver();
        using var s2 = pair.Server.Subscribe(late);
        Exception? lateError = await late.Ended.Within();

        Assert.That(lateError, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)lateError!).Code, Is.EqualTo(CloseCode.PolicyViolation));
        Assert.That(((ConnectionClosedException)lateError).Reason, Is.EqualTo("go away"));
        Assert.That(lateError, Is.SameAs(firstError));
    }

    [Test]
    public async Task Subscribe_FirstSubscriptionAfterTheEnd_GetsQueuedMessagesThenTheEnding()
    {
        await using var pair = ConnectionPair.Create();
        for (int i = 0; i < 5; i++)
        {
            await pair.Client.SendAsync(Traffic.Number(i));
        }

        await pair.Client.CloseAsync(CloseCode.InternalError).Within();
        await pair.Server.Completion.Within();

        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        Assert.That(await observer.Ended.Within(), Is.InstanceOf<ConnectionClosedException>());
        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(5)));
    }

    [Test]
    public async Task Subscribe_MessagesSentBeforeFirstSubscription_AreDeliveredToIt()
    {
        await using var pair = ConnectionPair.Create();
        for (int i = 0; i < 5; i++)
        {
            await pair.Client.SendAsync(Traffic.Number(i));
        }

        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);
        await pair.Client.CloseAsync().Within();

        Assert.That(await observer.Ended.Within(), Is.Null);
        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(5)));
    }

    [Test]
    public async Task Subscribe_TwoSubscribers_BothGetEveryMessage()
    {
        await using var pair = ConnectionPair.Create();
        var first = new RecordingObserver();
        var second = new RecordingObserver();
        using var s1 = pair.Server.Subscribe(first);
        using var s2 = pair.Server.Subscribe(second);

        await Traffic.SendNumbersAsync(pair.Client, 100).Within();
        await pair.Client.CloseAsync().Within();

        Assert.That(await first.Ended.Within(), Is.Null);
        Assert.That(await second.Ended.Within(), Is.Null);
        Assert.That(first.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(100)));
        Assert.That(second.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(100)));
    }

    [Test]
    public async Task Subscribe_DisposedSubscription_LeavesLaterMessagesForTheNextSubscriber()
    {
        await using var pair = ConnectionPair.Create();
        var first = new RecordingObserver();
        IDisposable subscription = pair.Server.Subscribe(first);
        await pair.Client.SendAsync("for first");
        await first.WhenCount(1).Within();

        subscription.Dispose();
        await pair.Client.SendAsync("for second");
        var second = new RecordingObserver();
        using var s2 = pair.Server.Subscribe(second);
        await second.WhenCount(1).Within();
        await pair.Client.CloseAsync().Within();

        Assert.That(await second.Ended.Within(), Is.Null);
        Assert.That(first.Messages.Select(m => m.Text), Is.EqualTo(new[] { "for first" }));
        Assert.That(second.Messages.Select(m => m.Text), Is.EqualTo(new[] { "for second" }));
        Assert.That(first.TerminalCount, Is.Zero);
    }

    [Test]
    public async Task OnNext_EchoFromInsideOnNext_EchoesManyMessagesInOrder()
    {
        await using var pair = ConnectionPair.Create();
        using var echo = pair.Server.Subscribe(new RecordingObserver(m => pair.Server.OnNext(m)));
        var back = new RecordingObserver();
        using var b = pair.Client.Subscribe(back);

        await Traffic.SendNumbersAsync(pair.Client, Count).Within();
        await back.WhenCount(Count).Within();

        Assert.That(back.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(Count)));
    }

    [Test]
    public async Task OnNext_EchoWithRxOperators_EchoesAndCompletes()
    {
        await using var pair = ConnectionPair.Create();
        using var echo = pair.Server.Select(m => Message.FromText(m.Text.ToUpperInvariant())).Subscribe(pair.Server);
        var back = new RecordingObserver();
        using var b = pair.Client.Subscribe(back);

        await pair.Client.SendAsync("hello");
        await back.WhenCount(1).Within();
        await pair.Client.CloseAsync().Within();

        Assert.That(back.Messages.Select(m => m.Text), Is.EqualTo(new[] { "HELLO" }));
        Assert.That(await back.Ended.Within(), Is.Null);
    }

    [Test]
    public async Task OnNext_ObserverThrows_ClosesWith1011()
    {
        await using var pair = ConnectionPair.Create();
        using var s = pair.Server.Subscribe(new RecordingObserver(_ => throw new InvalidOperationException("bad observer")));
        var client = new RecordingObserver();
        using var c = pair.Client.Subscribe(client);

        await pair.Client.SendAsync("boom");

        Exception? error = await client.Ended.Within();
        Assert.That(error, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)error!).Code, Is.EqualTo(CloseCode.InternalError));
        await pair.Server.Completion.Within();
        Assert.That(pair.Server.ClosedException!.InnerException, Is.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public async Task Subscribe_NullObserver_ThrowsArgumentNullException()
    {
        await using var pair = ConnectionPair.Create();

        Assert.That(() => pair.Server.Subscribe((IObserver<Message>)null!), Throws.ArgumentNullException);
    }

    [Test]
    public async Task ToList_NormalClose_CollectsEverything()
    {
        await using var pair = ConnectionPair.Create();
        Task<IList<Message>> all = pair.Server.ToList().ToTask();

        await Traffic.SendNumbersAsync(pair.Client, 10);
        await pair.Client.CloseAsync().Within();

        Assert.That((await all.Within()).Select(m => m.Text), Is.EqualTo(Traffic.Numbers(10)));
    }
}
