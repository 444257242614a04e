using System;
using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>
/// When the handler's token is cancelled: not before the handler could take the messages that
/// arrived before the peer closed (a peer that sends and closes at once, a handler that starts
/// late), and at the latest a close timeout after the close.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class HandlerTokenTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task HandlerStartingAfterThePeerClosed_StillConsumesEveryMessageWithItsToken([Values] bool rx)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentQueue<string>();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
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
        }, "127.0.0.1", 0);

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri))
        {
            foreach (string text in new[] { "a", "b", "c" })
            {
                await client.SendAsync(text);
            }
        }

        WebSocketConnection serverSide = await connected.Task.WaitAsync(s_wait);
        await serverSide.Completion.WaitAsync(s_wait); // closed, with the three messages still queued
        gate.SetResult();
        await finished.Task.WaitAsync(s_wait);

        Assert.That(received, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public async Task HandlerThatNeverReads_TokenCancelledAfterTheCloseAnyway()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new WebSocketServerOptions { Host = "127.0.0.1", Port = 0, CloseTimeout = TimeSpan.FromMilliseconds(200) };
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct); // a producer-style handler that ignores what comes in
            }
            catch (OperationCanceledException)
            {
                cancelled.SetResult();
            }
        }, options);

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri))
        {
            await client.SendAsync("never read");
        }

        Assert.That(async () => await cancelled.Task.WaitAsync(s_wait), Throws.Nothing);
    }
}
