using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Testing.Tests;

/// <summary>The examples of docs/testing.md, verbatim between the markers, so the guide cannot drift from what works.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class DocsExampleTests : ReactiveTest
{
    [Test]
    public void RxTesting_AsUsual()
    {
        // docs: rx-testing
        var scheduler = new TestScheduler();
        ITestableObservable<int> source = scheduler.CreateHotObservable(
            OnNext(150, 1), OnNext(210, 2), OnNext(300, 3), OnCompleted<int>(400));

        ITestableObserver<int> observer = scheduler.Start(() => source.Select(x => x * 10));

        observer.AssertMessages(OnNext(210, 20), OnNext(300, 30), OnCompleted<int>(400));
        source.AssertSubscriptions(Subscribe(200, 400));

        // the same with diagrams: a value per character, 10 ticks per frame
        var marbles = new TestScheduler();
        var values = new Dictionary<char, int> { ['a'] = 1, ['b'] = 2, ['A'] = 10, ['B'] = 20 };
        ITestableObservable<int> letters = marbles.CreateColdObservable("-a-b-|", values);
        ITestableObserver<int> tens = marbles.CreateObserver<int>();
        letters.Select(x => x * 10).Subscribe(tens);
        marbles.AdvanceBy(100);
        tens.AssertMarbles("-A-B-|", values);
        // docs: end
    }

    [Test]
    public void Both_EchoesInUpperCase()
    {
        // docs: both
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())),
            client: "-a--b--|");

        result.AssertServerSent("-A--B--|");
        result.AssertCloseCode(CloseCode.NormalClosure);
        // docs: end
    }

    [Test]
    public void Consumer_StoresWhatItReceives()
    {
        // docs: consumer
        var scheduler = new TestScheduler();
        var stored = new List<string>();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            (ws, ct) => ws.ForEachAsync(m => stored.Add(m.Text), ct),
            client: "-a-b-|");

        result.AssertServerSent("-----|");            // nothing sent; the close is answered at 50
        Assert.That(stored, Is.EqualTo(new[] { "a", "b" }));
        // docs: end
    }

    [Test]
    public void Producer_TicksUntilTheClientLeaves()
    {
        // docs: producer
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            _ => Observable.Interval(TimeSpan.FromTicks(20), scheduler)        // the feed runs on the test clock
                           .Select(i => Message.FromText(((char)('a' + i)).ToString())),
            client: "-------|");

        result.AssertServerSent("--a-b-c|");
        // docs: end
    }

    [Test]
    public async Task Registration_ChatRoom()
    {
        // docs: registration
        var scheduler = new TestScheduler();
        VirtualServer? chat = null;
        chat = VirtualServer.Start(scheduler,
            ws => ws.Do(m => chat!.Server.Broadcast(m)).IgnoreElements());   // every message to everyone
        await using (chat)
        {
            VirtualClient alice = chat.Connect("^-a---b---|");
            VirtualClient bob   = chat.Connect("-^----------|");
            VirtualClient carol = chat.Connect("----^---c-----|");
            scheduler.AdvanceTo(200);

            alice.AssertReceived("--a---b-c-|");
            bob.AssertReceived(  "--a---b-c---|");
            carol.AssertReceived("------b-c-----|");
        }
        // docs: end
    }

    [Test]
    public async Task Request_RoutesOnPathQueryAndHeaders()
    {
        // docs: request
        var scheduler = new TestScheduler();
        var client = new WebSocketClientOptions { Headers = [new("Authorization", "Bearer ada")] };
        var values = new Dictionary<char, Message> { ['r'] = Message.FromText("room 7 for Bearer ada") };

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => Observable.Return(Message.FromText($"room {ws.Request!.Query[5..]} for {ws.Request.Headers.GetFirst("Authorization")}")),
            client: "--", values: values, clientOptions: client, path: "/rooms?room=7");

        result.AssertServerSent("(r|)");
        Assert.That(result.Pair.Server.Path, Is.EqualTo("/rooms"));
        // docs: end
        await result.Pair.DisposeAsync();
    }

    [Test]
    public async Task WholeServer_BroadcastWithASlowClient()
    {
        // docs: slow-client
        var scheduler = new TestScheduler();
        var big = "abcdefghij".ToDictionary(c => c, c => Message.FromText(new string(c, 600)));
        VirtualServer? feed = null;
        feed = VirtualServer.Start(scheduler,
            ws => ws.Do(m => feed!.Server.Broadcast(m)).IgnoreElements(),
            new WebSocketServerOptions { WriteHighWaterMark = 1024, PingInterval = null });
        await using (feed)
        {
            VirtualClient speaker = feed.Connect("-a-b-c-d-e-f-g-h-i-j---|", values: big);
            VirtualClient fast = feed.Connect(values: big);
            VirtualClient slow = feed.Connect(values: big, pipeBuffer: 1024);   // a 1 KiB socket buffer
            slow.ServerToClient.Stall();                                        // ...that nobody reads
            scheduler.ScheduleAbsolute(250, slow.ServerToClient.Resume);        // until 250
            scheduler.AdvanceTo(300);

            fast.AssertReceived("-a-b-c-d-e-f-g-h-i-j");                        // everything, on time
            IList<Recorded<Notification<Message>>> late = slow.Received;        // what fit, all at 250:
            Assert.That(late.Select(r => r.Value.Value.Text[0]), Is.EqualTo("abcd"));
            Assert.That(late.Select(r => r.Time), Is.All.EqualTo(250));
            Assert.That(slow.Connection!.State, Is.EqualTo(ConnectionState.Open)); // skipped, not dropped
        }
        // docs: end
    }

    [Test]
    public async Task WholeServer_KeepAliveAndShutdown()
    {
        // docs: keepalive-shutdown
        var scheduler = new TestScheduler();
        long second = TimeSpan.FromSeconds(1).Ticks;
        var options = new WebSocketServerOptions { PingInterval = TimeSpan.FromSeconds(20), PingTimeout = TimeSpan.FromSeconds(20) };
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws, options);
        var quiet = new WebSocketOptions { PingInterval = null };                // the clients do not ping

        VirtualClient alive = server.Connect(options: quiet);
        VirtualClient gone = server.Connect(options: quiet);
        gone.ClientToServer.Vanish();                                            // its pongs never arrive
        scheduler.AdvanceTo(3600 * second);                                      // an hour, in milliseconds

        Assert.That(alive.PingsReceived, Has.Count.EqualTo(180));
        Assert.That(gone.Received.Single().Time, Is.EqualTo(40 * second));       // ping at 20 s, no pong by 40 s
        Assert.That(gone.CloseReceived?.Code, Is.EqualTo(CloseCode.InternalError));

        Task stop = server.StopAsync();                                          // 1001 to everyone still open
        await stop;
        Assert.That(alive.CloseReceived, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, "server shutting down")));
        // docs: end
    }
}
