using System;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

[TestFixture]
[CancelAfter(60_000)]
public sealed class ClientTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task ConnectAsync_NotAWebSocketUri_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => WebSocketClient.ConnectAsync(new Uri("http://127.0.0.1/")));
        await Assert.ThrowsAsync<ArgumentNullException>(() => WebSocketClient.ConnectAsync((Uri)null!));
    }

    [Test]
    public async Task ConnectAsync_WssToAPlainServer_SaysTheServerDidNotAnswerWithTls()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"wss://127.0.0.1:{server.EndPoint.Port}/")));

        Assert.That(error!.Message, Does.Contain("did not answer with TLS").And.Contain("ws://"));
        Assert.That(error.InnerException, Is.Not.Null, "the TLS stack's own error stays attached");
    }

    [Test]
    public async Task ConnectAsync_NothingListening_ThrowsHandshakeException()
    {
        // Bind a port, then free it so nothing listens there.
        int port;
        await using (WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0))
        {
            port = server.EndPoint.Port;
        }

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/")));

        Assert.That(error!.InnerException, Is.InstanceOf<System.Net.Sockets.SocketException>());
    }

    [Test]
    public async Task ConnectAsync_NothingListening_IsANetworkFailureWhoseMessageHidesThePassword()
    {
        int port;
        await using (WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0))
        {
            port = server.EndPoint.Port;
        }

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://ada:secret@127.0.0.1:{port}/")));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Network));
        Assert.That(error.Message, Does.Contain($"ws://127.0.0.1:{port}/").And.Not.Contain("secret"));
        Assert.That(ReconnectOptions.IsRetryable(error), Is.True);
    }

    [Test]
    public async Task Connect_IsCold_AndDisposingClosesWith1000()
    {
        var closed = new TaskCompletionSource<CloseStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        int handlers = 0;
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            System.Threading.Interlocked.Increment(ref handlers);
            await ws.SendAsync("welcome", ct);
            await ws.Completion;
            closed.TrySetResult(ws.ClosedException!.Received);
        }, "127.0.0.1", 0);
        IObservable<WebSocketConnection> connect = WebSocketClient.Connect(server.Uri);
        Assert.That(handlers, Is.Zero, "nothing happens before Subscribe");

        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable subscription = connect.SelectMany(ws => ws.Take(1)).Subscribe(m => first.TrySetResult(m.Text));
        Assert.That(await first.Task.WaitAsync(s_wait), Is.EqualTo("welcome"));
        subscription.Dispose();

        Assert.That((await closed.Task.WaitAsync(s_wait))?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task Connect_ServerClosesNormally_Completes()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => ws.SendAsync("bye", ct).AsTask(), "127.0.0.1", 0);

        var texts = await WebSocketClient.Connect(server.Uri).SelectMany(ws => ws).Select(m => m.Text).ToList().ToTask().WaitAsync(s_wait);

        Assert.That(texts, Is.EqualTo(new[] { "bye" }));
    }

    [Test]
    public async Task Connect_WithRetry_Reconnects()
    {
        int attempts = 0;
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, _) =>
            System.Threading.Interlocked.Increment(ref attempts) < 3
                ? throw new InvalidOperationException("flaky")
                : ws.SendAsync("finally", default).AsTask(), "127.0.0.1", 0);

        string text = await WebSocketClient.Connect(server.Uri)
            .SelectMany(ws => ws)
            .Retry(5)
            .Select(m => m.Text)
            .FirstAsync()
            .ToTask()
            .WaitAsync(s_wait);

        Assert.That(text, Is.EqualTo("finally"));
        Assert.That(attempts, Is.EqualTo(3));
    }
}
