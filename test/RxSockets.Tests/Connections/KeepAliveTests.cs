using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>Pings, latency and the keepalive loop, in virtual time where time matters.</summary>
[TestFixture]
[CancelAfter(30_000)]
[Description("RFC 6455 §5.5.2–§5.5.3")]
public sealed class KeepAliveTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    [Test]
    public async Task PingAsync_OverPair_ReturnsLatencyAndUpdatesLatency()
    {
        await using var pair = ConnectionPair.Create();
        Assert.That(pair.Client.Latency, Is.EqualTo(TimeSpan.Zero));

        TimeSpan latency = await pair.Client.PingAsync().Within();

        Assert.That(latency, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That(pair.Client.Latency, Is.EqualTo(latency));
    }

    [Test]
    public async Task PingAsync_NobodySubscribesOrReceives_IsStillAnswered()
    {
        await using var pair = ConnectionPair.Create();
        for (int i = 0; i < 5; i++)
        {
            await pair.Client.SendAsync(Traffic.Number(i)); // queued on the server, nobody reads them
        }

        TimeSpan fromClient = await pair.Client.PingAsync().Within();
        TimeSpan fromServer = await pair.Server.PingAsync().Within();

        Assert.That(fromClient, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That(fromServer, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("0"));
    }

    [Test]
    public async Task PingAsync_ManyConcurrentPings_AllAnswered()
    {
        await using var pair = ConnectionPair.Create();

        Task<TimeSpan>[] pings = [.. Enumerable.Range(0, 50).Select(_ => pair.Client.PingAsync())];
        TimeSpan[] latencies = await Task.WhenAll(pings).Within();

        Assert.That(latencies, Has.All.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task PingAsync_InVirtualTime_ReturnsTheVirtualRoundTrip()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(new WebSocketOptions { PingInterval = null, TimeProvider = time });

        Task<TimeSpan> ping = peer.Connection.PingAsync();
        RawEvent received = await peer.ReadUntilAsync(ProtocolEventType.Ping);
        time.Advance(TimeSpan.FromSeconds(3));
        await peer.AnswerAsync();

        Assert.That(received.Payload, Has.Length.EqualTo(8));
        Assert.That(await ping.Within(), Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(peer.Connection.Latency, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task PingAsync_ConnectionClosesBeforePong_ThrowsConnectionClosedException()
    {
        await using var peer = RawPeer.Start(ConnectionPair.NoKeepAlive());

        Task<TimeSpan> ping = peer.Connection.PingAsync();
        await peer.ReadUntilAsync(ProtocolEventType.Ping);
        peer.Connection.Abort();

        await Assert.ThatAsync(() => ping.Within(), Throws.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task PingAsync_AfterClose_ThrowsConnectionClosedException()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.CloseAsync().Within();

        await Assert.ThatAsync(() => pair.Client.PingAsync(), Throws.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task KeepAlive_PeerAnswers_StaysOpenForHundredSeconds()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(KeepAliveOptions(time));
        var observer = new RecordingObserver();
        using var s = peer.Connection.Subscribe(observer);

        for (int round = 1; round <= 5; round++)
        {
            // Timers of the keepalive loop, in order: delay, pong deadline, delay, pong deadline, …
            await time.WhenTimersCreated(Interval, (2 * round) - 1).Within();
            time.Advance(Interval / 2);
            time.Advance(Interval / 2);

            RawEvent ping = await peer.ReadUntilAsync(ProtocolEventType.Ping);
            Assert.That(ping.Payload, Has.Length.EqualTo(8));
            await time.WhenTimersCreated(PingTimeout, 2 * round).Within(); // armed before any pong can exist
            await peer.AnswerAsync();
        }

        await time.WhenTimersCreated(Interval, 11).Within(); // the next delay: the fifth pong was taken
        Assert.That(time.GetUtcNow() - time.Start, Is.EqualTo(TimeSpan.FromSeconds(100)));
        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(peer.Connection.Completion.IsCompleted, Is.False);
        Assert.That(observer.TerminalCount, Is.Zero);
    }

    [Test]
    public async Task KeepAlive_PairWithKeepAliveOnBothSides_StaysOpen()
    {
        var clientTime = new RecordingTimeProvider();
        var serverTime = new RecordingTimeProvider();
        await using var pair = ConnectionPair.Create(KeepAliveOptions(clientTime), KeepAliveOptions(serverTime));

        foreach (RecordingTimeProvider time in new[] { clientTime, serverTime })
        {
            await time.WhenTimersCreated(Interval, 1).Within();
            time.Advance(Interval);
        }

        // Both keepalive pings are under way (or answered): traffic and explicit pings still flow both ways.
        await pair.Client.PingAsync().Within();
        await pair.Server.PingAsync().Within();
        await pair.Client.SendAsync("still here");

        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("still here"));
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(pair.Server.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task KeepAlive_PeerNeverAnswers_ClosesWith1011AfterIntervalPlusTimeout()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(KeepAliveOptions(time));
        var observer = new RecordingObserver();
        using var s = peer.Connection.Subscribe(observer);

        await time.WhenTimersCreated(Interval, 1).Within();
        time.Advance(Interval);
        RawEvent ping = await peer.ReadUntilAsync(ProtocolEventType.Ping);
        await time.WhenTimersCreated(PingTimeout, 2).Within(); // the delay, then the pong deadline

        time.Advance(PingTimeout - TimeSpan.FromTicks(1));
        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Open));
        time.Advance(TimeSpan.FromTicks(1));

        RawEvent close = await peer.ReadUntilAsync(ProtocolEventType.Close);
        Assert.That(ping.Payload, Has.Length.EqualTo(8));
        Assert.That(close.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout")));
        Assert.That(time.GetUtcNow() - time.Start, Is.EqualTo(Interval + PingTimeout));

        // The peer does not echo either: the close timeout ends it.
        await time.WhenTimersCreated(CloseTimeout, 1).Within();
        time.Advance(CloseTimeout);
        await peer.Connection.Completion.Within();

        ConnectionClosedException info = peer.Connection.ClosedException!;
        Assert.That(info.Sent, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout")));
        Assert.That(info.Received, Is.Null);
        Assert.That(info.InnerException, Is.InstanceOf<TimeoutException>());
        Exception? error = await observer.Ended.Within();
        Assert.That(error, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(error!.InnerException, Is.InstanceOf<TimeoutException>());
    }

    [Test]
    [Description("RFC 6455 §7.1.7")]
    public async Task KeepAlive_PeerEchoesCloseAndDisconnects_CompletesWithoutCloseTimeout()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(KeepAliveOptions(time));
        var observer = new RecordingObserver();
        using var s = peer.Connection.Subscribe(observer);

        await time.WhenTimersCreated(Interval, 1).Within();
        time.Advance(Interval);
        await peer.ReadUntilAsync(ProtocolEventType.Ping);
        await time.WhenTimersCreated(PingTimeout, 2).Within();
        time.Advance(PingTimeout);
        await peer.ReadUntilAsync(ProtocolEventType.Close);
        await peer.AnswerAsync(); // the close echo, which a failed connection need not process
        await peer.CloseOutputAsync();

        await peer.Connection.Completion.Within();

        ConnectionClosedException info = peer.Connection.ClosedException!;
        Assert.That(info.Sent, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout")));
        Assert.That(info.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(info.IsNormal, Is.False);
        Assert.That(time.GetUtcNow() - time.Start, Is.EqualTo(Interval + PingTimeout));
        Assert.That(await observer.Ended.Within(), Is.SameAs(info));
    }

    [Test]
    public async Task KeepAlive_PongArrivesLate_NextPingOneIntervalAfterThePong_AndNoTimeout()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(KeepAliveOptions(time));

        await time.WhenTimersCreated(Interval, 1).Within();
        time.Advance(Interval);
        await peer.ReadUntilAsync(ProtocolEventType.Ping);
        await time.WhenTimersCreated(PingTimeout, 2).Within(); // the pong deadline (20 s, like the interval)

        time.Advance(TimeSpan.FromSeconds(10));
        await peer.AnswerAsync(); // the pong at 30 s re-arms the timer for the next interval
        await time.WhenTimersCreated(Interval, 3).Within();

        time.Advance(TimeSpan.FromSeconds(15)); // 45 s: past the first ping's deadline, which no longer counts
        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Open));
        time.Advance(TimeSpan.FromSeconds(5)); // 50 s: one interval after the pong
        RawEvent second = await peer.ReadUntilAsync(ProtocolEventType.Ping);
        Assert.That(second.Payload, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 2 }), "the second ping, not an early one");
        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task KeepAlive_WithoutPingTimeout_PingsEveryIntervalAndNeverCloses()
    {
        var time = new RecordingTimeProvider();
        WebSocketOptions options = KeepAliveOptions(time);
        options.PingTimeout = null;
        await using var peer = RawPeer.Start(options);

        for (int round = 1; round <= 4; round++)
        {
            await time.WhenTimersCreated(Interval, round).Within();
            time.Advance(Interval);
            RawEvent ping = await peer.ReadUntilAsync(ProtocolEventType.Ping); // never answered
            Assert.That(ping.Payload[^1], Is.EqualTo((byte)round));
        }

        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(time.TimersCreated(Interval), Is.EqualTo(5), "armed at the start and after each ping, for the interval only: no deadline");
    }

    [Test]
    public async Task KeepAlive_ConnectionClosed_StopsPinging()
    {
        var time = new RecordingTimeProvider();
        await using var pair = ConnectionPair.Create(new WebSocketOptions { PingInterval = null }, KeepAliveOptions(time));
        await time.WhenTimersCreated(Interval, 1).Within();

        await pair.Client.CloseAsync(CloseCode.NormalClosure, "bye").Within();
        await pair.Server.Completion.Within();
        int armed = time.TimersCreated(Interval);
        time.Advance(Interval * 3);
        Assert.That(time.TimersCreated(Interval), Is.EqualTo(armed), "the keepalive timer is gone: nothing re-arms");
    }

    private static WebSocketOptions KeepAliveOptions(TimeProvider time) => new()
    {
        PingInterval = Interval,
        PingTimeout = PingTimeout,
        CloseTimeout = CloseTimeout,
        TimeProvider = time,
    };
}
