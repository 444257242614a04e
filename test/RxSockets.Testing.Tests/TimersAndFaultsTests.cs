using System;
using System.Linq;
using System.Reactive;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Testing.Tests;

/// <summary>Keepalive, close timeout and backpressure at exact virtual times, with faults injected into the link.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class TimersAndFaultsTests
{
    private static readonly long s_second = TimeSpan.FromSeconds(1).Ticks;

    [Test]
    public void KeepAlive_PeerStopsAnsweringPings_Closes1011AtIntervalPlusTimeout()
    {
        var scheduler = new TestScheduler();
        var serverOptions = new WebSocketOptions { PingInterval = TimeSpan.FromSeconds(20), PingTimeout = TimeSpan.FromSeconds(20) };
        var quietClient = new WebSocketOptions { PingInterval = null };

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-",
            options: serverOptions, clientOptions: quietClient,
            configure: pair => pair.ClientToServer.Vanish(),
            until: 100 * s_second);

        Recorded<Notification<Message>> ending = result.ServerSent.Single();
        Assert.That(ending.Value.Kind, Is.EqualTo(NotificationKind.OnError));
        Assert.That(ending.Time, Is.EqualTo(40 * s_second), "the ping goes out at 20 s; its pong is due by 40 s");
        Assert.That(result.CloseReceived, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout")));
    }

    [Test]
    public void KeepAlive_PeerAnswers_StaysOpenForHours()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-",
            options: new WebSocketOptions { PingInterval = TimeSpan.FromSeconds(20), PingTimeout = TimeSpan.FromSeconds(20) },
            until: 3600 * s_second);

        Assert.That(result.ServerSent, Is.Empty);
        Assert.That(result.Pair.Server.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(result.Pair.Server.Latency, Is.EqualTo(TimeSpan.Zero), "replies arrive in the same virtual instant");
    }

    [Test]
    public void CloseTimeout_PeerNeverAnswersTheClose_AbortsAfterTenSeconds()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-|",
            options: new WebSocketOptions { PingInterval = null },
            configure: pair => pair.ServerToClient.Vanish(),
            until: 60 * s_second);

        Assert.That(result.Pair.Client.Completion.IsCompleted, Is.True);
        Recorded<Notification<Message>> ending = result.ServerSent.Single();
        Assert.That(ending.Value.Kind, Is.EqualTo(NotificationKind.OnError), "no close frame came back: abnormal");
        Assert.That(ending.Time, Is.EqualTo(10 + (10 * s_second)), "closed at 10 ticks, aborted 10 s later");
        Assert.That(result.CloseReceived, Is.Null);
    }

    [Test]
    public async Task Backpressure_StalledReader_SenderWaitsThenEverythingArrives()
    {
        var scheduler = new TestScheduler();
        var options = new WebSocketOptions { PingInterval = null, WriteHighWaterMark = 4096 };
        await using VirtualConnectionPair pair = VirtualConnectionPair.Create(scheduler, options, pipeBuffer: 8192);
        ITestableObserver<Message> received = scheduler.CreateObserver<Message>();
        pair.Client.Subscribe(received);
        pair.ServerToClient.Stall();
        int sent = 0;

        // Inline execution: the sender runs right here until it must wait for room, and returns
        // an unfinished task; resuming the link finishes it inside Resume().
        Task sender = SendAllAsync();
        int whileStalled = sent;
        bool finishedWhileStalled = sender.IsCompleted;
        pair.ServerToClient.Resume();
        await sender.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(finishedWhileStalled, Is.False);
        Assert.That(whileStalled, Is.LessThan(100), "the sender had to wait");
        Assert.That(whileStalled, Is.GreaterThan(0));
        Assert.That(received.Messages, Has.Count.EqualTo(100));

        async Task SendAllAsync()
        {
            for (int i = 0; i < 100; i++)
            {
                await pair.Server.SendAsync(new byte[1000]);
                sent++;
            }
        }
    }
}
