using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>The registry's notifications and the answers a server owes when application code fails during a handshake.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RegistryTests
{
    [Test]
    public async Task JoinedAndLeft_ManyConcurrentHandshakes_NeverOverlap()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, LocalServer.Options());
        int inside = 0;
        int overlaps = 0;
        int seen = 0;
        void Observe(WebSocketConnection _)
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Thread.SpinWait(2000); // widen the window an overlap would need
            Interlocked.Increment(ref seen);
            Interlocked.Decrement(ref inside);
        }

        using IDisposable joined = server.Joined.Subscribe(Observe);
        using IDisposable left = server.Left.Subscribe(Observe);
        const int Clients = 40;
        WebSocketConnection[] clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null })));
        await Task.WhenAll(clients.Select(c => c.Completion)).WaitAsync(LocalServer.Wait); // each handler returns at once: the server closes

        await WaitUntilAsync(() => Volatile.Read(ref seen) == 2 * Clients);
        Assert.That(overlaps, Is.Zero);
    }

    [Test]
    public async Task Joined_ObserverThrows_TheConnectionStaysUsableAndLeavesTheRegistryWhenItCloses()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, LocalServer.Options());
        using IDisposable joined = server.Joined.Subscribe(_ => throw new InvalidOperationException("observer bug"));
        var left = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable leaving = server.Left.Subscribe(ws => left.TrySetResult(ws));

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri))
        {
            await client.SendAsync("still echoed");
            Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(LocalServer.Wait), Is.EqualTo("still echoed"));
            Assert.That(server.Connections, Has.Count.EqualTo(1));
        }

        await left.Task.WaitAsync(LocalServer.Wait);
        Assert.That(server.Connections, Is.Empty, "no dead connection left behind");
    }

    [Test]
    public async Task ProcessRequest_Throws_ClientGets500WithoutDetails()
    {
        WebSocketServerOptions options = LocalServer.Options();
        options.ProcessRequest = (_, _) => throw new InvalidOperationException("secret detail");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, options);

        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));

        Assert.That(error!.StatusCode, Is.EqualTo(500));
        Assert.That(error.Message + Encoding.UTF8.GetString(error.Body.ToArray()), Does.Not.Contain("secret detail"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(LocalServer.Wait);
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }
}
