using System;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>MapWebSocket endpoints over a real Kestrel socket, with RxSockets' own client as the peer.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class MapWebSocketTests
{
    [Test]
    public async Task MapWebSocket_TaskHandler_EchoesTextAndBinary()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/echo", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/echo"));
        await client.SendAsync("hello");
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("hello"));
        byte[] binary = [1, 2, 3, 0, 255];
        await client.SendAsync(binary);
        Assert.That((await client.ReceiveAsync()).Data.ToArray(), Is.EqualTo(binary));

        byte[] large = new byte[200_000];
        new Random(7).NextBytes(large);
        await client.SendAsync(large);
        Assert.That((await client.ReceiveAsync()).Data.ToArray(), Is.EqualTo(large));
        await client.CloseAsync();
        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task MapWebSocket_RxHandler_SendsTheReturnedStreamAndClosesWith1000WhenItCompletes()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/rx", ws => ws.Take(2).Select(m => Message.FromText(m.Text.ToUpperInvariant()))));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/rx"));
        await client.SendAsync("a");
        await client.SendAsync("b");
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("A"));
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("B"));
        await client.Completion.WaitAsync(KestrelApp.Wait);
        Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task MapWebSocket_HandlerWithContext_SeesRouteValuesQueryAndHeaders()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/rooms/{room}", async (HttpContext http, WebSocketConnection ws, CancellationToken ct) =>
        {
            string room = (string)http.Request.RouteValues["room"]!;
            await ws.SendAsync($"{room}|{http.Request.Query["name"]}|{http.Request.Headers["X-Client"]}|{ws.Path}|{ws.GetHttpContext() == http}", ct);
        }));

        var options = new WebSocketClientOptions { Headers = [new("X-Client", "tests")] };
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/rooms/blue?name=ada"), options);
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("blue|ada|tests|/rooms/blue|True"));
    }

    [Test]
    public async Task MapWebSocket_RxHandlerWithContext_SeesTheRequest()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/items/{id:int}", (HttpContext http, WebSocketConnection ws) =>
            Observable.Return(Message.FromText("item " + http.Request.RouteValues["id"]))));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/items/42"));
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("item 42"));
        await client.Completion.WaitAsync(KestrelApp.Wait);
        Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task MapWebSocket_HandlerThrows_ClosesWith1011WithoutDetails()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/fail", (WebSocketConnection ws, CancellationToken ct) => throw new InvalidOperationException("secret detail")));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/fail"));
        await client.Completion.WaitAsync(KestrelApp.Wait);
        Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(client.ClosedException.Reason, Does.Not.Contain("secret"));
    }

    [Test]
    public async Task MapWebSocket_HandlerThrowsWebSocketCloseException_ClosesWithItsStatus()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/policy", (WebSocketConnection ws, CancellationToken ct) =>
            throw new WebSocketCloseException(CloseCode.PolicyViolation, "not allowed")));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/policy"));
        await client.Completion.WaitAsync(KestrelApp.Wait);
        Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.PolicyViolation));
        Assert.That(client.ClosedException.Reason, Is.EqualTo("not allowed"));
    }

    [Test]
    public async Task MapWebSocket_Subprotocols_SelectsTheFirstSupportedOneTheClientOffers()
    {
        var options = new WebSocketEndpointOptions { Subprotocols = ["v2", "v1"] };
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/sub", async (WebSocketConnection ws, CancellationToken ct) => await ws.SendAsync(ws.Subprotocol ?? "none", ct), options));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/sub"), new WebSocketClientOptions { Subprotocols = ["v1", "v2"] });
        Assert.That(client.Subprotocol, Is.EqualTo("v2"));
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("v2"));
    }

    [Test]
    public async Task MapWebSocket_Compression_IsNegotiatedWhenTheEndpointAcceptsIt()
    {
        var options = new WebSocketEndpointOptions { Compression = new PerMessageDeflateOptions() };
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/z", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            Message message = await ws.ReceiveAsync(ct);
            await ws.SendAsync(message, ct);
        }, options));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/z"), new WebSocketClientOptions { Compression = new PerMessageDeflateOptions() });
        Assert.That(client.Compression, Is.Not.Null);
        string text = new('x', 50_000);
        await client.SendAsync(text);
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo(text));
    }

    [Test]
    public async Task AppStopping_ClosesOpenConnectionsWith1001AndCancelsHandlers()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/wait", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                handlerCancelled.TrySetResult();
            }
        }));
        WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/wait"));
        try
        {
            await started.Task.WaitAsync(KestrelApp.Wait);
            Task stop = app.App.StopAsync();
            await client.Completion.WaitAsync(KestrelApp.Wait);
            await handlerCancelled.Task.WaitAsync(KestrelApp.Wait);
            await stop.WaitAsync(KestrelApp.Wait);
            Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.GoingAway));
            Assert.That(client.ClosedException.Reason, Is.EqualTo("server shutting down"));
        }
        finally
        {
            await client.DisposeAsync();
            await app.DisposeAsync();
        }
    }

    [Test]
    public async Task MapWebSocket_RouteGroup_MapsUnderThePrefix()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapGroup("/api").MapWebSocket("/ws", async (WebSocketConnection ws, CancellationToken ct) => await ws.SendAsync(ws.Path, ct)));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/api/ws"));
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("/api/ws"));
    }
    [Test]
    public async Task MapWebSocket_IdleConnection_OverTheUpgradedStream_StillReceivesClosesAndSeesAnAbort()
    {
        // The endpoint waits on Kestrel's upgraded stream with zero-byte reads while idle (it holds
        // no read buffer then): after idling it must still receive, close normally, and notice a
        // peer that vanishes.
        var closed = new TaskCompletionSource<ConnectionClosedException?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/idle", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            try
            {
                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                    await ws.SendAsync(message, ct);
                }
            }
            finally
            {
                _ = ws.Completion.ContinueWith(_ => closed.TrySetResult(ws.ClosedException), TaskScheduler.Default);
            }
        }, new WebSocketEndpointOptions { PingInterval = null }));

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/idle")))
        {
            await Task.Delay(300); // idle: the server's read is a zero-byte read now
            await client.SendAsync("after idling");
            Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(KestrelApp.Wait)).Text, Is.EqualTo("after idling"));
            await client.CloseAsync(CloseCode.NormalClosure, "bye").WaitAsync(KestrelApp.Wait);
            Assert.That(client.ClosedException!.IsNormal, Is.True);
        }

        Assert.That((await closed.Task.WaitAsync(KestrelApp.Wait))!.Code, Is.EqualTo(CloseCode.NormalClosure));

        // A raw peer that upgrades, idles, then resets: the server's connection ends with 1006.
        closed = new TaskCompletionSource<ConnectionClosedException?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(app.EndPoint);
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(RawHttp.Handshake("/idle")));
            byte[] answer = new byte[1024];
            Assert.That(System.Text.Encoding.ASCII.GetString(answer, 0, await socket.ReceiveAsync(answer)), Does.StartWith("HTTP/1.1 101"));
            await Task.Delay(300);
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            socket.Close();
        }

        Assert.That((await closed.Task.WaitAsync(KestrelApp.Wait))!.Code, Is.EqualTo(CloseCode.AbnormalClosure));
    }

    [Test]
    public async Task MapWebSocket_HandlerStartingAfterThePeerClosed_StillConsumesEveryMessageWithItsToken([Values] bool rx)
    {
        // The standalone server's rule, through the same runner: the handler's token is not
        // cancelled before the handler could take what arrived before the peer's close.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentQueue<string>();
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/late", async (HttpContext http, WebSocketConnection ws, CancellationToken ct) =>
        {
            connected.SetResult(ws);
            await gate.Task; // the handler is "late": the peer has sent and closed meanwhile
            if (rx)
            {
                await ws.ForEachAsync(message => received.Enqueue(message.Text), ct);
            }
            else
            {
                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                    received.Enqueue(message.Text);
                }
            }

            finished.SetResult(); // an OperationCanceledException above would leave it unset
        }));

        // Kestrel ends the TCP connection once the handler returns, so the client's wait for it is cut short.
        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/late"), new WebSocketClientOptions { CloseTimeout = TimeSpan.FromMilliseconds(500) }))
        {
            foreach (string text in new[] { "a", "b", "c" })
            {
                await client.SendAsync(text);
            }
        }

        WebSocketConnection serverSide = await connected.Task.WaitAsync(KestrelApp.Wait);
        await serverSide.Completion.WaitAsync(KestrelApp.Wait); // closed, with the three messages still queued
        gate.SetResult();
        await finished.Task.WaitAsync(KestrelApp.Wait);

        Assert.That(received, Is.EqualTo(new[] { "a", "b", "c" }));
    }
}
