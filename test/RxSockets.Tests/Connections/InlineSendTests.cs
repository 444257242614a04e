using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// The inline send paths (issue 7) over the socket transport, where they are taken: <c>SendAsync</c>
/// and the sink's <c>OnNext</c> write and flush on the caller's thread when nothing is queued, fall
/// back to the write loop when something is, and hold the write gate while a flush waits. Messages
/// are big enough that the bounded output pipe fills, so all three paths run in each test.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class InlineSendTests
{
    private static readonly TimeSpan s_wait = LocalServer.Wait;

    private static readonly WebSocketServerOptions s_options = LocalServer.Options();

    /// <summary>A numbered message of <paramref name="size"/> bytes: the number, then filler.</summary>
    private static Message Numbered(int number, int size) =>
        Message.FromText(number.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).PadRight(size, 'x'));

    private static int NumberOf(Message message) =>
        int.Parse(message.Text.AsSpan(0, 6), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<int>> ReceiveNumbersAsync(WebSocketConnection client)
    {
        var numbers = new List<int>();
        await foreach (Message message in client.ReadAllAsync())
        {
            numbers.Add(NumberOf(message));
        }

        return numbers;
    }

    [Test]
    public async Task OnNext_ProducerFasterThanTheSocket_EveryMessageArrivesInOrder()
    {
        // Observable.Range pushes 3,000 × 1 KiB synchronously: the first writes go out inline, the
        // pipe fills, later messages queue behind the held gate (3 MiB stays under the sink's limit).
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            _ => Observable.Range(0, 3000).Select(i => Numbered(i, 1024)), s_options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        List<int> numbers = await ReceiveNumbersAsync(client).WaitAsync(s_wait);

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(0, 3000)));
        Assert.That(client.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.NormalClosure), "OnCompleted closes with 1000 after the last message");
    }

    [Test]
    public async Task SendAsyncAndOnNext_Interleaved_KeepOneOrder()
    {
        // Sizes vary so some inline flushes complete at once and some wait for the socket.
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            for (int i = 0; i < 2000; i++)
            {
                Message message = Numbered(i, i % 7 == 0 ? 48 * 1024 : 200);
                if (i % 3 == 0)
                {
                    await ws.SendAsync(message, ct);
                }
                else
                {
                    ws.OnNext(message);
                }
            }

            await ws.SendAsync(Message.FromText("999999 end"), ct);
        }, s_options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        List<int> numbers = await ReceiveNumbersAsync(client).WaitAsync(s_wait);

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(0, 2000).Append(999999)));
    }

    [Test]
    public async Task OnNext_ThenOnCompleted_CloseGoesAfterEveryMessage()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            for (int i = 0; i < 200; i++)
            {
                ws.OnNext(Numbered(i, 16 * 1024)); // 3.2 MiB in all: under the sink's 4 MiB limit
            }

            ws.OnCompleted();
            await ws.Completion.WaitAsync(ct);
        }, s_options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        List<int> numbers = await ReceiveNumbersAsync(client).WaitAsync(s_wait);

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(0, 200)));
        Assert.That(client.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task OnNext_LoneSurrogate_DropsThatMessageOnly()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            ws.OnNext(Message.FromText("before"));
            ws.OnNext(Message.FromText("\ud800")); // cannot be encoded as UTF-8
            ws.OnNext(Message.FromText("after"));
            await ws.SendAsync("last", ct);
        }, s_options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        List<string> texts = [];
        await foreach (Message message in client.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            texts.Add(message.Text);
        }

        Assert.That(texts, Is.EqualTo(new[] { "before", "after", "last" }));
        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task RxEcho_ManyMessagesInFlight_EchoedInOrder()
    {
        // The load test's shape: the client keeps many messages in flight through an Rx echo.
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, s_options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        Task<List<int>> received = client.Take(5000).Select(NumberOf).ToList().Select(l => l.ToList()).ToTask();

        for (int i = 0; i < 5000; i++)
        {
            await client.SendAsync(Numbered(i, i % 100 == 0 ? 32 * 1024 : 64));
        }

        Assert.That(await received.WaitAsync(s_wait), Is.EqualTo(Enumerable.Range(0, 5000)));
    }
}
