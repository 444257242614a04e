using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>The server over real sockets on 127.0.0.1 with our client.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ServerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task StartAsync_PortZero_BindsAFreePort()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0);

        Assert.That(server.EndPoint.Port, Is.GreaterThan(0));
        Assert.That(server.Uri.ToString(), Is.EqualTo($"ws://127.0.0.1:{server.EndPoint.Port}/"));
    }

    [Test]
    public async Task StopAsync_HandlerWaitingOnlyOnItsToken_IsCancelledAndClientSees1001WithTheShutdownReason()
    {
        // The server cancels its handlers' tokens itself at shutdown (no registration on its
        // shutdown token per connection, issue 7).
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            waiting.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.TrySetResult();
            }
        }, "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        await waiting.Task.WaitAsync(s_wait);

        await server.StopAsync().WaitAsync(s_wait);

        await cancelled.Task.WaitAsync(s_wait);
        await client.Completion.WaitAsync(s_wait);
        Assert.That(client.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, "server shutting down")));
    }

    [Test]
    public async Task Handler_ConnectionClosedByThePeer_ItsTokenIsCancelled()
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult(ws.Completion.IsCompleted);
                throw;
            }
        }, "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        await client.CloseAsync(CloseCode.NormalClosure, "bye").WaitAsync(s_wait);

        Assert.That(await cancelled.Task.WaitAsync(s_wait), Is.True, "cancelled once the connection is closed");
    }

    [Test]
    public async Task AsyncHandler_Greeting_SeesPathAndCloses1000()
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            seen.TrySetResult(ws.Path + "?" + ws.Request!.Query);
            string name = await ws.ReceiveTextAsync(ct);
            await ws.SendAsync($"Hello {name}!", ct);
        }, "127.0.0.1", 0);

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri(server.Uri, "/greet?lang=en"));
        await client.SendAsync("Ada");
        string greeting = await client.ReceiveTextAsync();
        List<Message> rest = await client.ReadAllAsync().ToListAsync();

        Assert.That(greeting, Is.EqualTo("Hello Ada!"));
        Assert.That(rest, Is.Empty, "the stream completes normally when the handler returns");
        Assert.That(await seen.Task.WaitAsync(s_wait), Is.EqualTo("/greet?lang=en"));
        await client.Completion.WaitAsync(s_wait);
        Assert.That(client.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task RxHandler_EchoesUntilClientCloses()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws.Select(m => Message.FromText("echo " + m.Text)), "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        Task<IList<Message>> replies = client.Take(3).ToList().ToTask();

        foreach (string text in new[] { "a", "b", "c" })
        {
            await client.SendAsync(text);
        }

        Assert.That((await replies.WaitAsync(s_wait)).Select(m => m.Text), Is.EqualTo(new[] { "echo a", "echo b", "echo c" }));
        await client.CloseAsync();
        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task RxHandler_CompletingStream_ClosesWith1000()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(_ => new Message[] { "one", "two" }.ToObservable(), "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        IList<Message> messages = await client.ToList().ToTask().WaitAsync(s_wait);

        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(client.ClosedException?.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task Handler_Throwing_ClosesWith1011WithoutDetails()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => throw new InvalidOperationException("secret detail"), "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.ReceiveAsync().AsTask().WaitAsync(s_wait));

        Assert.That(error!.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(error.Reason, Does.Not.Contain("secret"));
        Assert.That(error.IsNormal, Is.False);
    }

    [Test]
    public async Task Handler_ThrowingWebSocketCloseException_UsesItsStatus()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => throw new WebSocketCloseException(CloseCode.PolicyViolation, "go away"), "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.ReceiveAsync().AsTask().WaitAsync(s_wait));

        Assert.That(error!.Received, Is.EqualTo(new CloseStatus(CloseCode.PolicyViolation, "go away")));
    }

    [Test]
    public async Task ProcessRequest_AnswersPlainHttp_AndOtherRequestsGet426()
    {
        var options = new WebSocketServerOptions
        {
            ProcessRequest = (request, _) => ValueTask.FromResult(request.Path == "/health"
                ? new HandshakeResponse(200, "OK", new HttpHeaders { { "Content-Type", "text/plain" }, { "Content-Length", "2" }, { "Connection", "close" } }, "ok"u8.ToArray())
                : null),
        };
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, options);
        using var http = new HttpClient();
        var root = new Uri($"http://127.0.0.1:{server.EndPoint.Port}/");

        HttpResponseMessage health = await http.GetAsync(new Uri(root, "/health"));
        HttpResponseMessage other = await http.GetAsync(root);

        Assert.That((int)health.StatusCode, Is.EqualTo(200));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("ok"));
        Assert.That((int)other.StatusCode, Is.EqualTo(426));
        Assert.That(other.Headers.GetValues("Sec-WebSocket-Version").Single(), Is.EqualTo("13"));
    }

    [Test]
    public async Task ProcessRequest_Rejecting_RaisesHandshakeRejectedOnClient()
    {
        var options = new WebSocketServerOptions
        {
            ProcessRequest = (request, _) => ValueTask.FromResult<HandshakeResponse?>(
                request.Headers.Contains("Authorization") ? null : HandshakeResponse.CreateError(401, "Who are you?", new HttpHeaders { { "WWW-Authenticate", "Basic realm=\"rx\"" } })),
        };
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, _) => ws.Completion, options);

        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));
        await using WebSocketConnection allowed = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { Headers = [new("Authorization", "Basic eDp5")] });

        Assert.That(error!.StatusCode, Is.EqualTo(401));
        Assert.That(error.BodyText, Does.Contain("Who are you?"));
        Assert.That(error.Headers.Any(h => h.Key == "WWW-Authenticate"), Is.True);
        Assert.That(allowed.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task Subprotocols_AreNegotiated()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => ws.SendAsync(ws.Subprotocol ?? "none", ct).AsTask(), new WebSocketServerOptions { Subprotocols = ["v2.chat", "v1.chat"] });
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { Subprotocols = ["v1.chat", "v2.chat"] });

        Assert.That(client.Subprotocol, Is.EqualTo("v2.chat"), "the server's preference wins");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("v2.chat"));
    }

    [Test]
    public async Task Registry_TracksConnections_AndBroadcastReachesAll()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, ct) => release.Task.WaitAsync(ct), "127.0.0.1", 0);
        var joined = new List<WebSocketConnection>();
        Task<IList<WebSocketConnection>> threeJoined = server.Joined.Take(3).ToList().ToTask();
        Task<IList<WebSocketConnection>> threeLeft = server.Left.Take(3).ToList().ToTask();

        WebSocketConnection[] clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => WebSocketClient.ConnectAsync(server.Uri)));
        await threeJoined.WaitAsync(s_wait);
        int sent = server.Broadcast("news");
        string[] received = await Task.WhenAll(clients.Select(c => c.ReceiveTextAsync().AsTask()));

        Assert.That(server.Connections, Has.Count.EqualTo(3));
        Assert.That(sent, Is.EqualTo(3));
        Assert.That(received, Is.All.EqualTo("news"));
        release.SetResult();
        await threeLeft.WaitAsync(s_wait);
        Assert.That(server.Connections, Is.Empty);
        foreach (WebSocketConnection client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Test]
    public async Task DisposeAsync_ClosesConnectionsWith1001_AndCancelsHandlers()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                handlerCancelled.SetResult();
                throw;
            }
        }, "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        await started.Task.WaitAsync(s_wait);

        await server.DisposeAsync().AsTask().WaitAsync(s_wait);
        List<Message> rest = await client.ReadAllAsync().ToListAsync();

        Assert.That(rest, Is.Empty);
        Assert.That(client.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(client.ClosedException.IsNormal, Is.True, "1001 is a normal closure");
        await handlerCancelled.Task.WaitAsync(s_wait);
        await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri));
    }

    [Test]
    public async Task MaxConnections_Exceeded_Answers503()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, ct) => release.Task.WaitAsync(ct), new WebSocketServerOptions { MaxConnections = 1 });
        await using WebSocketConnection first = await WebSocketClient.ConnectAsync(server.Uri);

        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));

        Assert.That(error!.StatusCode, Is.EqualTo(503));
        release.SetResult();
    }

    [Test]
    public async Task ThousandConcurrentConnections_AllEcho()
    {
        const int count = 1000;
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        var clients = new WebSocketConnection[count];
        for (int i = 0; i < count; i += 100)
        {
            WebSocketConnection[] batch = await Task.WhenAll(Enumerable.Range(i, 100).Select(_ => WebSocketClient.ConnectAsync(server.Uri)));
            batch.CopyTo(clients, i);
        }

        string[] replies = await Task.WhenAll(clients.Select(async (c, i) =>
        {
            await c.SendAsync($"#{i}");
            return await c.ReceiveTextAsync();
        })).WaitAsync(TimeSpan.FromSeconds(40));
        await Task.WhenAll(clients.Select(c => c.CloseAsync())).WaitAsync(TimeSpan.FromSeconds(40));

        Assert.That(replies, Is.EqualTo(Enumerable.Range(0, count).Select(i => $"#{i}")));
        Assert.That(clients.All(c => c.ClosedException!.IsNormal), Is.True);
    }
}
