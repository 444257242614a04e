using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;
using RxSockets.Testing;

namespace RxSockets.Tests;

/// <summary>
/// The reconnection loop against whole servers in virtual time: servers that restart, stay down,
/// refuse, or go quiet; schedules checked as marble diagrams (1 frame = 10 ticks) and exact times.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ReconnectingTests
{
    /// <summary>State symbols: c connecting, o open, r reconnecting, x closed.</summary>
    private static readonly IReadOnlyDictionary<char, char> s_states = "coirx".ToDictionary(c => c, c => c);

    /// <summary>A short curve in ticks: 10 (half of 20, with <see cref="FixedRandom"/>), then 30, 60, 100, 100…</summary>
    private static readonly Backoff s_ticks = new()
    {
        InitialDelay = TimeSpan.FromTicks(20),
        MinDelay = TimeSpan.FromTicks(30),
        Factor = 2,
        MaxDelay = TimeSpan.FromTicks(100),
    };

    /// <summary>
    /// NUnit runs tests under its own synchronization context; calls made from the test's thread
    /// (send, stop) must not hand the connections' continuations to it, or they would run outside
    /// virtual time. RxSockets.Testing does the same around what it runs.
    /// </summary>
    [SetUp]
    public void LeaveTheTestFrameworksContext() => SynchronizationContext.SetSynchronizationContext(null);

    [Test]
    public async Task Reconnecting_ServerRestartsAndIsDownForThreeAttempts_BacksOffThenComesBack()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        scheduler.ScheduleAbsolute(100, () => _ = site.StopAsync());   // a graceful restart: 1001
        scheduler.ScheduleAbsolute(250, () => site.Start());           // back up after three failed attempts
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<char> states = scheduler.CreateObserver<char>();
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();
        var statuses = new List<ReconnectStatus>();
        ws.StateChanges.Do(statuses.Add).Select(Symbol).Subscribe(states);

        ws.Subscribe(messages);
        scheduler.AdvanceTo(400);

        //                    0         100  110  140     200       300
        states.AssertMarbles("(ico)---------r(cr)--(cr)-----(cr)---------(co)", s_states);
        messages.AssertMarbles("a" + new string('-', 29) + "b", Marbles.Letters);
        ReconnectStatus[] waits = [.. statuses.Where(s => s.State == ReconnectState.Reconnecting)];
        Assert.That(waits.Select(s => s.Attempt), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(waits.Select(s => s.Delay.Ticks), Is.EqualTo(new long[] { 10, 30, 60, 100 }));
        Assert.That(waits[0].Error, Is.InstanceOf<ConnectionClosedException>().With.Property("Code").EqualTo(CloseCode.GoingAway));
        Assert.That(waits.Skip(1).Select(s => (s.Error as HandshakeException)?.Failure), Is.All.EqualTo(HandshakeFailure.ServerClosed));
        Assert.That(site.Attempts, Is.EqualTo(new long[] { 0, 110, 140, 200, 300 }));
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Open));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_DefaultBackoff_IsPythonWebsocketsCurveOnTheOptionsClock()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        _ = site.StopAsync(); // down from the start, for good
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, new ReconnectOptions
        {
            TimeProvider = scheduler.AsTimeProvider(),
            Random = new FixedRandom(0.5),
        });
        var delays = new List<TimeSpan>();
        ws.StateChanges.Where(s => s.State == ReconnectState.Reconnecting).Subscribe(s => delays.Add(s.Delay));

        ws.Subscribe(_ => { });
        scheduler.AdvanceTo(TimeSpan.FromMinutes(10).Ticks);

        double[] expected = [2.5, 3.1, 5.0158, 8.1156, 13.131, 21.2459, 34.3759, 55.6202, 89.9935, 90, 90, 90];
        Assert.That(delays.Take(expected.Length).Select(d => d.TotalSeconds), Is.EqualTo(expected).Within(0.0001));
        Assert.That(site.Attempts, Has.Count.EqualTo(14), "one attempt every 90 s once at the cap, never a tight loop");
        double[] at = [.. site.Attempts.Skip(1).Take(4).Select(t => Math.Round(TimeSpan.FromTicks(t).TotalSeconds, 3))];
        Assert.That(at, Is.EqualTo(new[] { 2.5, 5.6, 10.616, 18.731 }).Within(0.001), "each attempt waits its delay after the previous one");
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_ServerClosesWith1000_CompletesWithoutReconnecting()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, ws => Observable.Return(Message.FromText("bye")));
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();

        ws.Subscribe(messages);
        scheduler.AdvanceTo(500);

        Assert.That(messages.Messages.Select(m => m.Value.Kind.ToString()), Is.EqualTo(new[] { "OnNext", "OnCompleted" }));
        Assert.That(site.Attempts, Has.Count.EqualTo(1));
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Closed));
        Assert.That(ws.Status.Error, Is.Null);
        Assert.That(ws.Completion.IsCompleted, Is.True);
    }

    [TestCase(CloseCode.GoingAway, true)]
    [TestCase(CloseCode.InternalError, true)]
    [TestCase(CloseCode.ServiceRestart, true)]
    [TestCase(CloseCode.TryAgainLater, true)]
    [TestCase(CloseCode.BadGateway, true)]
    [TestCase(CloseCode.ProtocolError, false)]
    [TestCase(CloseCode.UnsupportedData, false)]
    [TestCase(CloseCode.InvalidPayloadData, false)]
    [TestCase(CloseCode.PolicyViolation, false)]
    [TestCase(CloseCode.MessageTooBig, false)]
    [TestCase(CloseCode.MandatoryExtension, false)]
    [TestCase((CloseCode)4000, false)]
    public async Task Reconnecting_ServerClosesWithCode_RetriesOnlyRetryableCodes(CloseCode code, bool retried)
    {
        var scheduler = new TestScheduler();
        int connections = 0;
        await using var site = new VirtualSite(scheduler, ws => connections++ == 0
            ? Observable.Throw<Message>(new WebSocketCloseException(code, "go"))
            : Observable.Never<Message>());
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();

        ws.Subscribe(messages);
        scheduler.AdvanceTo(500);

        if (retried)
        {
            Assert.That(site.Attempts, Is.EqualTo(new long[] { 0, 10 }));
            Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Open));
            Assert.That(messages.Messages, Is.Empty);
            await StopAsync(scheduler, ws);
        }
        else
        {
            Assert.That(site.Attempts, Is.EqualTo(new long[] { 0 }));
            Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Closed));
            Exception? error = messages.Messages.Single().Value.Exception;
            Assert.That(error, Is.InstanceOf<ConnectionClosedException>().With.Property("Code").EqualTo(code));
            Assert.That(ws.Status.Error, Is.SameAs(error));
        }
    }

    [Test]
    public async Task Reconnecting_Unauthorized401_FailsAtOnce()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (_, _) => ValueTask.FromResult<HandshakeResponse?>(HandshakeResponse.CreateError(401, "who are you?")),
        });
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<char> states = scheduler.CreateObserver<char>();
        ws.StateChanges.Select(Symbol).Subscribe(states);

        ws.Subscribe(_ => { }, _ => { });
        scheduler.AdvanceTo(500);

        states.AssertMarbles("(icx|)", s_states);
        Assert.That(ws.Status.Error, Is.InstanceOf<HandshakeRejectedException>().With.Property("StatusCode").EqualTo(401));
    }

    [Test]
    public async Task Reconnecting_ShouldReconnectOverride_RetriesA401()
    {
        var scheduler = new TestScheduler();
        int requests = 0;
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter(), new WebSocketServerOptions
        {
            ProcessRequest = (_, _) => ValueTask.FromResult(requests++ < 2 ? HandshakeResponse.CreateError(401, "token expired") : null),
        });
        site.Start();
        ReconnectOptions options = Options(scheduler);
        options.ShouldReconnect = e => e is HandshakeRejectedException { StatusCode: 401 } || ReconnectOptions.IsRetryable(e);
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();

        ws.Subscribe(messages);
        scheduler.AdvanceTo(500);

        messages.AssertMarbles("----a", Marbles.Letters);
        Assert.That(site.Attempts, Is.EqualTo(new long[] { 0, 10, 40 }));
        await StopAsync(scheduler, ws);
    }

    [TestCase(503, "120", true, 120)]
    [TestCase(429, "250", true, 250)]
    [TestCase(503, null, true, 10)]
    [TestCase(502, null, true, 10)]
    [TestCase(429, null, false, 0)]
    [TestCase(404, null, false, 0)]
    [TestCase(403, "5", false, 0)]
    public async Task Reconnecting_HttpStatus_RetriesServerErrorsAndHonoursRetryAfter(int status, string? retryAfter, bool retried, long firstDelaySeconds)
    {
        var scheduler = new TestScheduler();
        bool refused = false;
        var headers = new HttpHeaders();
        if (retryAfter is not null)
        {
            headers.Add("Retry-After", retryAfter);
        }

        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter(), new WebSocketServerOptions
        {
            ProcessRequest = (_, _) => ValueTask.FromResult(refused ? null : HandshakeResponse.CreateError(status, "not now", headers)),
        });
        site.Start();
        ReconnectOptions options = Options(scheduler);
        options.Backoff = new Backoff { InitialDelay = TimeSpan.FromSeconds(20), MinDelay = TimeSpan.FromSeconds(30), Factor = 2, MaxDelay = TimeSpan.FromSeconds(100) };
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(_ =>
        {
            Task<WebSocketConnection> attempt = site.Connect(default);
            refused = true; // only the first attempt is refused
            return attempt;
        }, options);
        var waits = new List<ReconnectStatus>();
        ws.StateChanges.Where(s => s.State == ReconnectState.Reconnecting).Subscribe(waits.Add);

        ws.Subscribe(_ => { }, _ => { });
        scheduler.AdvanceTo(TimeSpan.FromSeconds(1000).Ticks);

        if (retried)
        {
            Assert.That(waits.Single().Delay, Is.EqualTo(TimeSpan.FromSeconds(firstDelaySeconds)), "the backoff's 10 s, or Retry-After when longer");
            Assert.That(site.Attempts, Is.EqualTo(new[] { 0, TimeSpan.FromSeconds(firstDelaySeconds).Ticks }));
            Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Open));
            await StopAsync(scheduler, ws);
        }
        else
        {
            Assert.That(waits, Is.Empty);
            Assert.That(ws.Status.Error, Is.InstanceOf<HandshakeRejectedException>().With.Property("StatusCode").EqualTo(status));
        }
    }

    [Test]
    public async Task Reconnecting_MaxAttempts_GivesUpWithTheLastError()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        scheduler.ScheduleAbsolute(50, () => _ = site.StopAsync());
        ReconnectOptions options = Options(scheduler);
        options.MaxAttempts = 3;
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);
        ITestableObserver<char> states = scheduler.CreateObserver<char>();
        ws.StateChanges.Select(Symbol).Subscribe(states);
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();

        ws.Subscribe(messages);
        scheduler.AdvanceTo(1000);

        //                    0    50 60   90    150
        states.AssertMarbles("(ico)----r(cr)--(cr)-----(cx|)", s_states);
        Assert.That(messages.Messages.Last().Value.Exception, Is.InstanceOf<HandshakeException>().With.Property("Failure").EqualTo(HandshakeFailure.ServerClosed));
        Assert.That(site.Attempts, Has.Count.EqualTo(4), "the first connection, then three attempts");
    }

    [Test]
    public async Task Reconnecting_MaxReconnectTime_StartsNoAttemptAfterIt()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        _ = site.StopAsync();
        ReconnectOptions options = Options(scheduler);
        options.MaxReconnectTime = TimeSpan.FromTicks(150);
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);

        ws.Subscribe(_ => { }, _ => { });
        scheduler.AdvanceTo(1000);

        Assert.That(site.Attempts, Is.EqualTo(new long[] { 0, 10, 40, 100 }), "the next one (at 200) would be past 150");
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Closed));
    }

    [Test]
    public async Task Reconnecting_FixedBackoff_IsSignalRsScheduleThenStops()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        _ = site.StopAsync();
        ReconnectOptions options = Options(scheduler);
        options.Backoff = Backoff.Fixed(TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);

        ws.Subscribe(_ => { }, _ => { });
        scheduler.AdvanceTo(TimeSpan.FromMinutes(5).Ticks);

        Assert.That(site.Attempts.Select(t => TimeSpan.FromTicks(t).TotalSeconds), Is.EqualTo(new double[] { 0, 0, 2, 12, 42 }));
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Closed));
    }

    [Test]
    public async Task Reconnecting_KeepaliveTimeout_ReconnectsAfterTheDeadLink()
    {
        var scheduler = new TestScheduler();
        long second = TimeSpan.FromSeconds(1).Ticks;
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.ClientOptions = new WebSocketClientOptions { PingInterval = TimeSpan.FromSeconds(20), PingTimeout = TimeSpan.FromSeconds(10) };
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();
        scheduler.ScheduleAbsolute(second, () => site.Clients.First().ServerToClient.Vanish()); // the link dies silently at 1 s

        ws.Subscribe(messages);
        scheduler.AdvanceTo(60 * second);

        // Ping at 20 s, no pong by 30 s: the client closes with 1011, waits the close timeout (10 s)
        // for an answer that cannot come, aborts, and tries again after the backoff's first delay.
        Assert.That(site.Attempts, Is.EqualTo(new[] { 0, (40 * second) + 10 }));
        Assert.That(messages.Messages.Select(m => m.Value.Value.Text), Is.EqualTo(new[] { "a", "b" }));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_HandshakeTimesOut_Retries()
    {
        var scheduler = new TestScheduler();
        long second = TimeSpan.FromSeconds(1).Ticks;
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.ClientOptions = new WebSocketClientOptions { PingInterval = null, OpenTimeout = TimeSpan.FromSeconds(5) };
        site.Configure = client =>
        {
            if (site.Attempts.Count == 1)
            {
                client.ServerToClient.Vanish(); // the server's answer never arrives
            }
        };
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        var waits = new List<ReconnectStatus>();
        ws.StateChanges.Where(s => s.State == ReconnectState.Reconnecting).Subscribe(waits.Add);

        ws.Subscribe(_ => { });
        scheduler.AdvanceTo(60 * second);

        Assert.That(site.Attempts, Is.EqualTo(new[] { 0, (5 * second) + 10 }));
        Assert.That(waits.Single().Error, Is.InstanceOf<HandshakeException>().With.Property("Failure").EqualTo(HandshakeFailure.Timeout));
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Open));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_IdleTimeout_NeverFiresWhileMessagesFlow_FiresAfterSilence()
    {
        var scheduler = new TestScheduler();
        long second = TimeSpan.FromSeconds(1).Ticks;
        int connection = 0;
        await using var site = new VirtualSite(scheduler, ws => connection++ == 0
            ? Observable.Interval(TimeSpan.FromSeconds(9.999), scheduler).Take(360).Select(i => Message.FromText($"tick {i}")).Concat(Observable.Never<Message>())
            : Observable.Never<Message>());
        site.Start();
        ReconnectOptions options = Options(scheduler);
        options.IdleTimeout = TimeSpan.FromSeconds(10);
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);
        var waits = new List<ReconnectStatus>();
        ws.StateChanges.Where(s => s.State == ReconnectState.Reconnecting).Subscribe(waits.Add);
        int received = 0;

        ws.Subscribe(_ => received++);
        scheduler.AdvanceTo(3600 * second);
        Assert.That(waits, Is.Empty, "an hour of a message every 9.999 s: the watchdog never fired");
        Assert.That(received, Is.EqualTo(360));

        scheduler.AdvanceTo(3615 * second);
        long last = 360 * TimeSpan.FromSeconds(9.999).Ticks;
        Assert.That(waits.Single().Time.UtcTicks, Is.EqualTo(last + (10 * second)), "exactly one timeout after the last message");
        Assert.That(waits.Single().Error, Is.InstanceOf<TimeoutException>());
        Assert.That(site.Attempts, Has.Count.EqualTo(2));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_OnConnected_ResubscribesOnEveryConnectionBeforeBufferedMessages()
    {
        var scheduler = new TestScheduler();
        var seen = new List<string>();
        await using var site = new VirtualSite(scheduler, ws => ws.Do(m => seen.Add(m.Text)).IgnoreElements().Concat(Observable.Never<Message>()));
        site.Start();
        scheduler.ScheduleAbsolute(100, () => _ = site.StopAsync());
        scheduler.ScheduleAbsolute(105, () => site.Start());
        ReconnectOptions options = Options(scheduler);
        options.WhileDisconnected = DisconnectedSends.Buffer;
        options.OnConnected = (connection, ct) => connection.SendAsync("subscribe ticker", ct).AsTask();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);
        ws.Subscribe(_ => { });
        scheduler.AdvanceTo(50);
        ws.OnNext("one");

        scheduler.AdvanceTo(102); // disconnected: waiting for the attempt at 110
        ws.OnNext("two");
        Task three = ws.SendAsync("three").AsTask();
        Assert.That(three.IsCompleted, Is.False);
        scheduler.AdvanceTo(200);

        Assert.That(seen, Is.EqualTo(new[] { "subscribe ticker", "one", "subscribe ticker", "two", "three" }));
        await three;
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_FailWhileDisconnected_SendAsyncThrowsAndTheSinkReportsUndelivered()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, ws => Observable.Never<Message>());
        site.Start();
        scheduler.ScheduleAbsolute(100, () => _ = site.StopAsync());
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        var undelivered = new List<string>();
        ws.Undelivered.Subscribe(m => undelivered.Add(m.Text));
        ws.Subscribe(_ => { });
        scheduler.AdvanceTo(120);

        ws.OnNext("lost");
        var error = await Assert.ThrowsAsync<DisconnectedException>(async () => await ws.SendAsync("refused"));

        Assert.That(undelivered, Is.EqualTo(new[] { "lost" }));
        Assert.That(error!.Status.State, Is.EqualTo(ReconnectState.Reconnecting));
        Assert.That(error.Message, Does.Contain("no connection is open"));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_BufferFull_OverflowGoesToUndeliveredAndTheRestIsSentInOrder()
    {
        var scheduler = new TestScheduler();
        var seen = new List<string>();
        await using var site = new VirtualSite(scheduler, ws => ws.Do(m => seen.Add(m.Text)).IgnoreElements().Concat(Observable.Never<Message>()));
        site.Start();
        scheduler.ScheduleAbsolute(100, () => _ = site.StopAsync());
        scheduler.ScheduleAbsolute(105, () => site.Start());
        ReconnectOptions options = Options(scheduler);
        options.WhileDisconnected = DisconnectedSends.Buffer;
        options.BufferLimit = 10;
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, options);
        var undelivered = new List<string>();
        ws.Undelivered.Subscribe(m => undelivered.Add(m.Text));
        ws.Subscribe(_ => { });
        scheduler.AdvanceTo(102);

        foreach (string text in new[] { "1234", "5678", "abcd", "ef" })
        {
            ws.OnNext(text);
        }

        scheduler.AdvanceTo(200);

        Assert.That(seen, Is.EqualTo(new[] { "1234", "5678", "ef" }));
        Assert.That(undelivered, Is.EqualTo(new[] { "abcd" }), "8 bytes were buffered; 4 more would pass the 10-byte limit");
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Reconnecting_SinkOnCompleted_Closes1000AndCompletesEverything()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();
        ITestableObserver<char> states = scheduler.CreateObserver<char>();
        ws.StateChanges.Select(Symbol).Subscribe(states);
        ws.Subscribe(messages);
        scheduler.AdvanceTo(50);

        ws.OnCompleted();
        scheduler.AdvanceTo(100);

        messages.AssertMarbles("a----|", Marbles.Letters);
        states.AssertMarbles("(ico)----(x|)", s_states);
        Assert.That(site.Clients.Single().CloseSent?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(site.Attempts, Has.Count.EqualTo(1));
        await ws.DisposeAsync();
    }

    [Test]
    public async Task Reconnecting_SinkOnErrorWhileReconnecting_StopsAndFailsTheStream()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        _ = site.StopAsync();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        ITestableObserver<Message> messages = scheduler.CreateObserver<Message>();
        ws.Subscribe(messages);
        scheduler.AdvanceTo(5);

        var stop = new InvalidOperationException("app shutting down");
        ws.OnError(stop);
        scheduler.AdvanceTo(1000);

        Assert.That(messages.Messages.Single().Value.Exception, Is.SameAs(stop));
        Assert.That(site.Attempts, Is.EqualTo(new long[] { 0 }), "no attempt after the stop");
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Closed));
    }

    [Test]
    public async Task ConnectAsync_StartsAndReturnsTheOpenConnection()
    {
        var scheduler = new TestScheduler();
        await using var site = new VirtualSite(scheduler, VirtualSite.Greeter());
        site.Start();
        ReconnectingWebSocket ws = WebSocketClient.Reconnecting(site.Connect, Options(scheduler));
        Assert.That(ws.Status.State, Is.EqualTo(ReconnectState.Idle), "nothing happens before a subscription or ConnectAsync");
        Assert.That(site.Attempts, Is.Empty);

        WebSocketConnection connection = await ws.ConnectAsync();

        Assert.That(connection, Is.SameAs(ws.Connection));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        await StopAsync(scheduler, ws);
    }

    [Test]
    public async Task Guide_TestingInVirtualTime_ExampleRunsAsDocumented()
    {
        // docs/reconnecting.md, "Testing in virtual time", verbatim but for the assertions.
        var scheduler = new TestScheduler();
        VirtualServer server = VirtualServer.Start(scheduler, ws => Observable.Return(Message.FromText("hi")).Concat(ws));
        ReconnectingWebSocket client = WebSocketClient.Reconnecting(_ => server.ConnectAsync(), new ReconnectOptions
        {
            TimeProvider = scheduler.AsTimeProvider(),
            Backoff = new Backoff { InitialDelay = TimeSpan.FromTicks(20), MinDelay = TimeSpan.FromTicks(30), Factor = 2, MaxDelay = TimeSpan.FromTicks(100) },
        });
        ITestableObserver<ReconnectState> states = scheduler.CreateObserver<ReconnectState>();
        client.StateChanges.Select(s => s.State).Subscribe(states);
        client.Subscribe(_ => { });
        scheduler.ScheduleAbsolute(100, () => server.StopAsync());
        scheduler.AdvanceTo(1000);

        ReconnectState[] early = [.. states.Messages.Where(m => m.Time < 100).Select(m => m.Value.Value)];
        Assert.That(early, Is.EqualTo(new[] { ReconnectState.Idle, ReconnectState.Connecting, ReconnectState.Open }));
        Assert.That(states.Messages.First(m => m.Time >= 100).Value.Value, Is.EqualTo(ReconnectState.Reconnecting));
        Assert.That(states.Messages.Where(m => m.Time >= 100).Select(m => m.Value.Value).Distinct(), Is.EquivalentTo(new[] { ReconnectState.Reconnecting, ReconnectState.Connecting }));
        Assert.That(states.Messages.Count(m => m.Value.Value == ReconnectState.Connecting && m.Time > 100), Is.InRange(8, 12), "attempts at 30, 60, 100, 100… ticks apart");
        await StopAsync(scheduler, client);
        await server.DisposeAsync();
    }

    /// <summary>Options on the test clock with the short tick curve and a fixed "random" half.</summary>
    private static ReconnectOptions Options(TestScheduler scheduler) => new()
    {
        Backoff = s_ticks,
        TimeProvider = scheduler.AsTimeProvider(),
        Random = new FixedRandom(0.5),
    };

    private static char Symbol(ReconnectStatus status) => status.State switch
    {
        ReconnectState.Idle => 'i',
        ReconnectState.Connecting => 'c',
        ReconnectState.Open => 'o',
        ReconnectState.Reconnecting => 'r',
        _ => 'x',
    };

    /// <summary>Stops the client, letting virtual time run for its closing handshake.</summary>
    private static async Task StopAsync(TestScheduler scheduler, ReconnectingWebSocket ws)
    {
        Task stop = ws.DisposeAsync().AsTask();
        scheduler.AdvanceBy(TimeSpan.FromSeconds(30).Ticks);
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
