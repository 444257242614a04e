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

/// <summary>Whole servers in virtual time: several clients as diagrams, the registry, Broadcast with a slow client, keepalive, shutdown.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class VirtualServerTests
{
    private static readonly long s_second = TimeSpan.FromSeconds(1).Ticks;

    /// <summary>Ten distinct 600-byte messages a–j: big enough for a small socket buffer to fill.</summary>
    private static readonly IReadOnlyDictionary<char, Message> s_big = "abcdefghij".ToDictionary(c => c, c => Message.FromText(new string(c, 600)));

    [Test]
    public async Task Broadcast_EveryClientGetsWhatOneSays_ClientsJoiningLaterGetTheRest()
    {
        var scheduler = new TestScheduler();
        VirtualServer? chat = null;
        chat = VirtualServer.Start(scheduler, ws => ws.Do(m => chat!.Server.Broadcast(m)).IgnoreElements());
        await using (chat)
        {
            VirtualClient alice = chat.Connect("^-a---b---|");
            VirtualClient bob = chat.Connect("--^---------|");
            VirtualClient carol = chat.Connect("------^-------|");
            scheduler.AdvanceTo(200);

            alice.AssertReceived("--a---b---|");
            bob.AssertReceived("------b-----|");
            carol.AssertReceived("--------------|"); // "b" went out at 60, just before carol connected

            Assert.That(chat.Server.Connections, Is.Empty);
        }
    }

    [Test]
    public async Task Broadcast_SlowClient_IsSkippedAndTheOthersGetEverything()
    {
        var scheduler = new TestScheduler();
        VirtualServer? feed = null;
        feed = VirtualServer.Start(scheduler, ws => ws.Do(m => feed!.Server.Broadcast(m)).IgnoreElements(),
            new WebSocketServerOptions { WriteHighWaterMark = 1024, PingInterval = null });
        await using (feed)
        {
            VirtualClient speaker = feed.Connect("-a-b-c-d-e-f-g-h-i-j-----|", values: s_big);
            VirtualClient fast = feed.Connect(values: s_big);
            VirtualClient slow = feed.Connect(values: s_big, pipeBuffer: 1024);
            slow.ServerToClient.Stall(); // it stops reading: its socket buffer fills, then its send queue
            scheduler.ScheduleAbsolute(230, slow.ServerToClient.Resume);
            scheduler.AdvanceTo(300);

            fast.AssertReceived("-a-b-c-d-e-f-g-h-i-j");
            Message[] got = [.. slow.Received.Where(r => r.Value.Kind == NotificationKind.OnNext).Select(r => r.Value.Value)];
            Assert.That(got, Has.Length.InRange(1, 9), "some messages were skipped, not queued without bound");
            Assert.That(got, Is.EqualTo(s_big.Values.Take(got.Length)), "what it got is the start of the feed, in order");
            Assert.That(slow.Received.Where(r => r.Value.Kind == NotificationKind.OnNext).Select(r => r.Time), Is.All.EqualTo(230), "it had all waited in the buffers");
            Assert.That(slow.Connection!.State, Is.EqualTo(ConnectionState.Open));
            Assert.That(speaker.Connection!.State, Is.EqualTo(ConnectionState.Closed));
        }
    }

    [Test]
    public async Task Registry_JoinedAndLeftAtTheirVirtualTimes()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => Observable.Never<Message>().TakeUntil(ws.LastOrDefaultAsync()));
        var paths = new Dictionary<char, string> { ['a'] = "/alice", ['b'] = "/bob" };
        ITestableObserver<string> joined = scheduler.CreateObserver<string>();
        ITestableObserver<string> left = scheduler.CreateObserver<string>();
        server.Server.Joined.Select(ws => ws.Path).Subscribe(joined);
        server.Server.Left.Select(ws => ws.Path).Subscribe(left);
        var counts = new List<int>();
        scheduler.ScheduleAbsolute(35, () => counts.Add(server.Server.Connections.Count));

        server.Connect("^-------|", path: "/alice");
        server.Connect("--^--|", path: "/bob");
        scheduler.AdvanceTo(100);

        joined.AssertMarbles("a-b", paths);
        left.AssertMarbles("-----b--a", paths);
        Assert.That(counts, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public async Task Joined_ObserverWelcomesEachClient_TheWelcomeComesAfterThe101AndBeforeTheEcho()
    {
        // Joined runs between the registration and the 101 response (#15): what its observer sends
        // waits for the 101, on the inline execution as on the thread pool.
        var scheduler = new TestScheduler();
        VirtualServer? echo = null;
        echo = VirtualServer.Start(scheduler, ws => ws, new WebSocketServerOptions { PingInterval = null });
        await using (echo)
        {
            using IDisposable welcome = echo.Server.Joined.Subscribe(ws => echo.Server.Broadcast($"welcome {ws.Path}"));
            var values = new Dictionary<char, Message> { ['w'] = "welcome /a", ['x'] = "x" };

            VirtualClient a = echo.Connect("^-x--|", values: values, path: "/a");
            scheduler.AdvanceTo(100);

            a.AssertReceived("w-x--|");
        }
    }

    [Test]
    public async Task KeepAlive_AnHourOfVirtualTime_TheVanishedClientIsClosed1011AndTheOtherStays()
    {
        var scheduler = new TestScheduler();
        var options = new WebSocketServerOptions { PingInterval = TimeSpan.FromSeconds(20), PingTimeout = TimeSpan.FromSeconds(20) };
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws, options);
        var quiet = new WebSocketOptions { PingInterval = null };

        VirtualClient alive = server.Connect(options: quiet);
        VirtualClient gone = server.Connect(options: quiet);
        gone.ClientToServer.Vanish(); // its pongs never arrive
        scheduler.AdvanceTo(3600 * s_second);

        Assert.That(alive.PingsReceived, Has.Count.EqualTo(180), "one ping every 20 s");
        Assert.That(alive.Connection!.State, Is.EqualTo(ConnectionState.Open));
        Recorded<Notification<Message>> ending = gone.Received.Single();
        Assert.That(ending.Value.Kind, Is.EqualTo(NotificationKind.OnError));
        Assert.That(ending.Time, Is.EqualTo(40 * s_second), "ping at 20 s, no pong by 40 s");
        Assert.That(gone.CloseReceived, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout")));
        Assert.That(server.Server.Connections, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Shutdown_Closes1001AndWaitsForTheCloseTimeoutOfAVanishedClient()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws, new WebSocketServerOptions { PingInterval = null });
        VirtualClient a = server.Connect();
        VirtualClient b = server.Connect();
        VirtualClient vanished = server.Connect();
        vanished.ClientToServer.Vanish();
        Task? stop = null;
        scheduler.ScheduleAbsolute(100, () => stop = server.StopAsync());

        scheduler.AdvanceTo(100 + (9 * s_second));
        bool stoppedEarly = stop!.IsCompleted;
        scheduler.AdvanceTo(100 + (11 * s_second));
        await stop;

        Assert.That(stoppedEarly, Is.False, "the vanished client never answers the close");
        a.AssertReceived("----------|{1001}");
        b.AssertReceived("----------|{1001}");
        Assert.That(a.CloseReceived?.Reason, Is.EqualTo("server shutting down"));
        Assert.That(server.Server.Connections, Is.Empty);
        Assert.That(server.Server.ActiveSessions, Is.Zero);
    }

    [Test]
    public async Task Shutdown_ClientConnectingAfterwards_IsRefused()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws);
        await server.StopAsync();

        VirtualClient late = server.Connect();

        Assert.That(late.Connected.IsFaulted, Is.True);
        Assert.That(late.Connected.Exception!.InnerException, Is.InstanceOf<HandshakeException>());
    }

    [Test]
    public async Task MaxConnections_TheOneTooMany_Gets503()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws, new WebSocketServerOptions { MaxConnections = 2 });

        server.Connect();
        server.Connect();
        VirtualClient third = server.Connect();

        Assert.That(third.Connected.Exception!.InnerException, Is.TypeOf<HandshakeRejectedException>().With.Property(nameof(HandshakeRejectedException.StatusCode)).EqualTo(503));
    }

    [Test]
    public async Task AsyncHandler_ManyClients_EachGetsItsGreetingAtItsConnectTime()
    {
        var scheduler = new TestScheduler();
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['n'] = Message.FromText("Ada"), ['h'] = Message.FromText("Hello Ada!") };
        await using VirtualServer server = VirtualServer.Start(scheduler, async (ws, ct) =>
        {
            string name = await ws.ReceiveTextAsync(ct);
            await ws.SendAsync($"Hello {name}!", ct);
        });

        VirtualClient[] clients = [.. Enumerable.Range(0, 50).Select(i => server.Connect(new string('-', i) + "^n", values: values))];
        scheduler.AdvanceTo(1000);

        for (int i = 0; i < clients.Length; i++)
        {
            clients[i].AssertReceived(new string('-', i + 1) + "(h|)");
        }
    }
}
