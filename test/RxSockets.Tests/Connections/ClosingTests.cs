using System;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>Every way a connection ends, and what each side's incoming stream and <c>ClosedException</c> say about it.</summary>
[TestFixture]
[CancelAfter(30_000)]
[Description("RFC 6455 §7")]
public sealed class ClosingTests
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    [Test]
    public async Task CloseAsync_FromClientWithNormalClosure_CompletesBothStreams()
    {
        await using var pair = ConnectionPair.Create();
        var client = new RecordingObserver();
        var server = new RecordingObserver();
        using var c = pair.Client.Subscribe(client);
        using var s = pair.Server.Subscribe(server);

        await pair.Client.CloseAsync().Within();

        Assert.That(await client.Ended.Within(), Is.Null);
        Assert.That(await server.Ended.Within(), Is.Null);
        await pair.Server.Completion.Within();
        AssertClosed(pair.Client.ClosedException, received: new CloseStatus(CloseCode.NormalClosure, ""), sent: new CloseStatus(CloseCode.NormalClosure, ""), receivedThenSent: false);
        AssertClosed(pair.Server.ClosedException, received: new CloseStatus(CloseCode.NormalClosure, ""), sent: new CloseStatus(CloseCode.NormalClosure, ""), receivedThenSent: true);
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
        Assert.That(pair.Server.ClosedException!.IsNormal, Is.True);
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(pair.Server.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test]
    public async Task CloseAsync_FromServerWithGoingAway_CompletesBothStreams()
    {
        await using var pair = ConnectionPair.Create();
        var client = new RecordingObserver();
        var server = new RecordingObserver();
        using var c = pair.Client.Subscribe(client);
        using var s = pair.Server.Subscribe(server);

        await pair.Server.CloseAsync(CloseCode.GoingAway, "shutting down").Within();

        Assert.That(await client.Ended.Within(), Is.Null);
        Assert.That(await server.Ended.Within(), Is.Null);
        await pair.Client.Completion.Within();
        var goingAway = new CloseStatus(CloseCode.GoingAway, "shutting down");
        AssertClosed(pair.Server.ClosedException, received: goingAway, sent: goingAway, receivedThenSent: false);
        AssertClosed(pair.Client.ClosedException, received: goingAway, sent: goingAway, receivedThenSent: true);
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
    }

    [TestCase(false, CloseCode.InternalError, "oops")]
    [TestCase(false, (CloseCode)4000, "custom")]
    [TestCase(true, CloseCode.InternalError, "")]
    [TestCase(true, (CloseCode)4000, "custom")]
    public async Task CloseAsync_WithErrorCode_FailsBothStreamsWithCodeAndReason(bool fromServer, CloseCode code, string reason)
    {
        await using var pair = ConnectionPair.Create();
        WebSocketConnection closer = fromServer ? pair.Server : pair.Client;
        WebSocketConnection other = fromServer ? pair.Client : pair.Server;
        var closerObserver = new RecordingObserver();
        var otherObserver = new RecordingObserver();
        using var c = closer.Subscribe(closerObserver);
        using var o = other.Subscribe(otherObserver);

        await closer.CloseAsync(code, reason).Within();

        var status = new CloseStatus(code, reason);
        var closerError = (await closerObserver.Ended.Within()) as ConnectionClosedException;
        var otherError = (await otherObserver.Ended.Within()) as ConnectionClosedException;
        AssertClosed(closerError, received: status, sent: status, receivedThenSent: false);
        AssertClosed(otherError, received: status, sent: status, receivedThenSent: true);
        Assert.That(closerError!.Code, Is.EqualTo(code));
        Assert.That(otherError!.Code, Is.EqualTo(code));
        Assert.That(otherError.Reason, Is.EqualTo(reason));
        Assert.That(closerError.IsNormal, Is.False);
        Assert.That(otherError.IsNormal, Is.False);
        Assert.That(closerError.InnerException, Is.Null);
    }

    [Test]
    public async Task CloseAsync_BothSidesAtOnce_CompletesBothNormally()
    {
        await using var pair = ConnectionPair.Create();
        var client = new RecordingObserver();
        var server = new RecordingObserver();
        using var c = pair.Client.Subscribe(client);
        using var s = pair.Server.Subscribe(server);

        await Task.WhenAll(pair.Client.CloseAsync(), pair.Server.CloseAsync()).Within();

        Assert.That(await client.Ended.Within(), Is.Null);
        Assert.That(await server.Ended.Within(), Is.Null);
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
        Assert.That(pair.Server.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task CloseAsync_Twice_SecondCallWaitsForTheSameClose()
    {
        await using var pair = ConnectionPair.Create();

        Task first = pair.Client.CloseAsync();
        Task second = pair.Client.CloseAsync(CloseCode.InternalError);
        await Task.WhenAll(first, second).Within();

        Assert.That(pair.Client.ClosedException!.Sent?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(pair.Client.ClosedException.IsNormal, Is.True);
    }

    [Test]
    public async Task DisposeAsync_OpenConnection_ClosesWith1000()
    {
        await using var pair = ConnectionPair.Create();
        var server = new RecordingObserver();
        using var s = pair.Server.Subscribe(server);

        await pair.Client.DisposeAsync().AsTask().Within();

        Assert.That(await server.Ended.Within(), Is.Null);
        Assert.That(pair.Server.ClosedException is null || pair.Server.ClosedException.Received?.Code == CloseCode.NormalClosure, Is.True);
        await pair.Server.Completion.Within();
        Assert.That(pair.Server.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Abort_PeerTransportVanishes_OtherSideFailsWith1006(bool abortServer)
    {
        await using var pair = ConnectionPair.Create();
        WebSocketConnection aborted = abortServer ? pair.Server : pair.Client;
        WebSocketConnection other = abortServer ? pair.Client : pair.Server;
        var otherObserver = new RecordingObserver();
        using var o = other.Subscribe(otherObserver);
        await aborted.SendAsync("last words");

        aborted.Abort();

        Exception? error = await otherObserver.Ended.Within();
        Assert.That(error, Is.InstanceOf<ConnectionClosedException>());
        var closed = (ConnectionClosedException)error!;
        Assert.That(closed.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(closed.Received, Is.Null);
        Assert.That(closed.IsNormal, Is.False);
        await Task.WhenAll(pair.Client.Completion, pair.Server.Completion).Within();
        Assert.That(aborted.ClosedException!.IsNormal, Is.False);
    }

    [Test]
    public async Task OnCompleted_Sink_ClosesWith1000()
    {
        await using var pair = ConnectionPair.Create();
        var server = new RecordingObserver();
        using var s = pair.Server.Subscribe(server);

        pair.Client.OnNext("bye");
        pair.Client.OnCompleted();

        Assert.That(await server.Ended.Within(), Is.Null);
        Assert.That(server.Messages, Is.EqualTo(new Message[] { "bye" }));
        await Task.WhenAll(pair.Client.Completion, pair.Server.Completion).Within();
        Assert.That(pair.Server.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "")));
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
        Assert.That(pair.Client.ClosedException.Sent, Is.EqualTo(pair.Client.ClosedException.Received), "the echo carries the status that was sent");
    }

    [Test]
    public async Task OnError_Sink_ClosesWith1011()
    {
        await using var pair = ConnectionPair.Create();
        var server = new RecordingObserver();
        var client = new RecordingObserver();
        using var s = pair.Server.Subscribe(server);
        using var c = pair.Client.Subscribe(client);

        pair.Client.OnError(new InvalidOperationException("secret detail"));

        Exception? error = await server.Ended.Within();
        Assert.That(error, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)error!).Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(((ConnectionClosedException)error).Reason, Does.Not.Contain("secret"));
        Assert.That(await client.Ended.Within(), Is.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task OnError_SinkWithWebSocketCloseException_ClosesWithItsStatus()
    {
        await using var pair = ConnectionPair.Create();
        var server = new RecordingObserver();
        using var s = pair.Server.Subscribe(server);

        pair.Client.OnError(new WebSocketCloseException(CloseCode.PolicyViolation, "nope"));

        Exception? error = await server.Ended.Within();
        Assert.That(error, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)error!).Received, Is.EqualTo(new CloseStatus(CloseCode.PolicyViolation, "nope")));
        await pair.Client.Completion.Within();
        Assert.That(pair.Client.ClosedException!.Sent, Is.EqualTo(new CloseStatus(CloseCode.PolicyViolation, "nope")));
    }

    [Test]
    public async Task OnError_SinkWithNormalWebSocketCloseException_CompletesPeerStream()
    {
        await using var pair = ConnectionPair.Create();
        var server = new RecordingObserver();
        using var s = pair.Server.Subscribe(server);

        pair.Server.OnError(new WebSocketCloseException(CloseCode.GoingAway, "restart"));

        Assert.That(await server.Ended.Within(), Is.Null);
        await pair.Client.Completion.Within();
        Assert.That(pair.Client.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, "restart")));
    }

    [Test]
    [Description("RFC 6455 §7.1.1")]
    public async Task CloseAsync_PeerNeverEchoes_AbortsAfterCloseTimeout()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(new WebSocketOptions { PingInterval = null, TimeProvider = time });
        var observer = new RecordingObserver();
        using var s = peer.Connection.Subscribe(observer);

        Task closing = peer.Connection.CloseAsync();
        RawEvent close = await peer.ReadUntilAsync(ProtocolEventType.Close);
        await time.WhenTimersCreated(CloseTimeout, 1).Within();

        Assert.That(close.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "")));
        Assert.That(peer.Connection.Completion.IsCompleted, Is.False);
        time.Advance(CloseTimeout - TimeSpan.FromTicks(1));
        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Closing));

        time.Advance(TimeSpan.FromTicks(1));
        await peer.Connection.Completion.Within();
        await closing.Within();

        ConnectionClosedException info = peer.Connection.ClosedException!;
        Assert.That(info.Received, Is.Null);
        Assert.That(info.Sent, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "")));
        Assert.That(info.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(await observer.Ended.Within(), Is.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task Subscribe_EveryClosePath_DeliversExactlyOneTerminalNotification()
    {
        await using var pair = ConnectionPair.Create();
        var client = new RecordingObserver();
        var server = new RecordingObserver();
        using var c = pair.Client.Subscribe(client);
        using var s = pair.Server.Subscribe(server);

        await pair.Client.CloseAsync(CloseCode.InternalError).Within();
        await pair.Server.Completion.Within();
        await client.Ended.Within();
        await server.Ended.Within();
        pair.Client.OnCompleted();
        pair.Server.OnError(new InvalidOperationException());

        Assert.That(client.TerminalCount, Is.EqualTo(1));
        Assert.That(server.TerminalCount, Is.EqualTo(1));
        Assert.That(client.NotificationsAfterTerminal, Is.Zero);
        Assert.That(server.NotificationsAfterTerminal, Is.Zero);
    }

    private static void AssertClosed(ConnectionClosedException? closed, CloseStatus? received, CloseStatus? sent, bool receivedThenSent)
    {
        Assert.That(closed, Is.Not.Null);
        Assert.That(closed!.Received, Is.EqualTo(received));
        Assert.That(closed.Sent, Is.EqualTo(sent));
        Assert.That(closed.ReceivedThenSent, Is.EqualTo(receivedThenSent));
    }
}
