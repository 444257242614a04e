using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// <see cref="WebSocketConnection.ReceivePooledAsync"/> (issue 7): large binary messages stay in
/// the pooled memory they were reassembled in until disposed; every other way of receiving still
/// hands out messages that own their bytes; and no send ever reads memory that went back to the pool.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PooledReceiveTests
{
    private const int Large = ProtocolConnection.RetainedBufferSize + 1;

    private static readonly TimeSpan s_wait = LocalServer.Wait;

    private static byte[] Payload(int number, int length) => Traffic.Payload(number, length);

    [Test]
    public async Task LargeBinary_IsPooledUntilDisposed()
    {
        await using var pair = ConnectionPair.Create();
        byte[] payload = Payload(1, 100_000);
        await pair.Client.SendAsync(payload);

        PooledMessage received = await pair.Server.ReceivePooledAsync().AsTask().WaitAsync(s_wait);

        Assert.That(received.IsPooled, Is.True);
        Assert.That(received.Message.BinaryData.ToArray(), Is.EqualTo(payload));
        Assert.That(MemoryMarshal.TryGetArray(received.Message.BinaryData, out _), Is.False, "the pooled array is not handed out");
        received.Dispose();
        received.Dispose(); // twice is harmless
        Assert.That(() => received.Message.BinaryData.Span.Length, Throws.TypeOf<ObjectDisposedException>());
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(ProtocolConnection.RetainedBufferSize)]
    public async Task SmallBinary_IsAnOrdinaryMessage(int length)
    {
        await using var pair = ConnectionPair.Create();
        byte[] payload = Payload(2, length);
        await pair.Client.SendAsync(payload);

        PooledMessage received = await pair.Server.ReceivePooledAsync().AsTask().WaitAsync(s_wait);
        received.Dispose();

        Assert.That(received.IsPooled, Is.False);
        Assert.That(received.Message.BinaryData.ToArray(), Is.EqualTo(payload), "still readable after Dispose");
    }

    [Test]
    public async Task LargeText_IsAnOrdinaryMessage()
    {
        await using var pair = ConnectionPair.Create();
        string text = new('é', 50_000);
        await pair.Client.SendAsync(text);

        using PooledMessage received = await pair.Server.ReceivePooledAsync().AsTask().WaitAsync(s_wait);

        Assert.That(received.IsPooled, Is.False);
        Assert.That(received.Message.Text, Is.EqualTo(text));
    }

    [Test]
    public async Task ReceiveAsyncAndReadAllAsync_LargeMessagesOwnTheirBytes()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.SendAsync(Payload(3, Large));
        await pair.Client.SendAsync(Payload(4, 200_000));

        Message first = await pair.Server.ReceiveAsync().AsTask().WaitAsync(s_wait);
        Message second = await pair.Server.ReadAllAsync().FirstAsync().AsTask().WaitAsync(s_wait);

        Assert.That(MemoryMarshal.TryGetArray(first.BinaryData, out ArraySegment<byte> a) && a.Count == Large, Is.True, "an array of its own");
        Assert.That(MemoryMarshal.TryGetArray(second.BinaryData, out ArraySegment<byte> b) && b.Count == 200_000, Is.True, "an array of its own");
        Assert.That(first.BinaryData.ToArray(), Is.EqualTo(Payload(3, Large)));
        Assert.That(second.BinaryData.ToArray(), Is.EqualTo(Payload(4, 200_000)));
    }

    [Test]
    public async Task RxSubscribers_LargeMessagesOwnTheirBytes()
    {
        await using var pair = ConnectionPair.Create();
        Task<Message> first = pair.Server.FirstAsync().ToTask();
        await pair.Client.SendAsync(Payload(5, 300_000));

        Message message = await first.WaitAsync(s_wait);

        Assert.That(MemoryMarshal.TryGetArray(message.BinaryData, out _), Is.True, "an array of its own");
        Assert.That(message.BinaryData.ToArray(), Is.EqualTo(Payload(5, 300_000)));
    }

    [Test]
    public async Task SendingADisposedPooledMessage_Throws_AndTheConnectionGoesOn()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.SendAsync(Payload(6, 100_000));
        PooledMessage received = await pair.Server.ReceivePooledAsync().AsTask().WaitAsync(s_wait);
        received.Dispose();

        Assert.That(async () => await pair.Server.SendAsync(received.Message), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pair.Server.OnNext(received.Message), Throws.TypeOf<ObjectDisposedException>());

        await pair.Server.SendAsync("still open");
        Message next = await pair.Client.ReceiveAsync().AsTask().WaitAsync(s_wait);
        Assert.That(next.Text, Is.EqualTo("still open"));
        Assert.That(pair.Server.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task PooledEcho_DisposingRightAfterSending_EveryMessageArrivesIntact()
    {
        // The server disposes each message as soon as SendAsync returns or OnNext queued it, while
        // new messages keep renting from the pool: a send still reading the memory must keep it.
        int[] lengths = [Large, 64 * 1024 - 1, 64 * 1024, 200_000, 1 << 20, 10, 70_000];
        const int count = 70;
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            for (int i = 0; i < count; i++)
            {
                using PooledMessage received = await ws.ReceivePooledAsync(ct);
                if (i % 2 == 0)
                {
                    await ws.SendAsync(received.Message, ct);
                }
                else
                {
                    ws.OnNext(received.Message);
                }
            }

            await ws.ReceiveAsync(ct); // until the client closes
        }, LocalServer.Options());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions());

        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                await client.SendAsync(Payload(i, lengths[i % lengths.Length]));
            }
        });
        var received = new List<Message>();
        for (int i = 0; i < count; i++)
        {
            received.Add(await client.ReceiveAsync().AsTask().WaitAsync(s_wait));
        }

        await sending.WaitAsync(s_wait);
        for (int i = 0; i < count; i++)
        {
            Assert.That(received[i].BinaryData.ToArray(), Is.EqualTo(Payload(i, lengths[i % lengths.Length])), $"message {i}");
        }
    }

    [Test]
    public async Task QueuedSend_HoldsThePayloadUntilWritten()
    {
        // In memory every send is queued for the write loop. The client takes one filler into its
        // one-message queue and waits for room with the second, so the write loop is stuck flushing
        // the second (the client lets go of its bytes only once it is queued): the pooled message
        // queued behind it (or in its batch) must keep its bytes after the caller disposes it.
        var clientOptions = new WebSocketOptions { PingInterval = null, MaxQueue = 1 };
        var serverOptions = new WebSocketOptions { PingInterval = null, WriteHighWaterMark = 1 << 20 }; // queued at once, no wait for room
        await using var pair = ConnectionPair.Create(clientOptions, serverOptions);
        await pair.Client.SendAsync(Payload(8, 200_000));
        PooledMessage received = await pair.Server.ReceivePooledAsync().AsTask().WaitAsync(s_wait);
        PooledPayload pooled = PooledPayload.Of(received.Message)!;

        await pair.Server.SendAsync(Payload(9, 200_000)).AsTask().WaitAsync(s_wait); // into the client's queue
        Task stuck = pair.Server.SendAsync(Payload(10, 200_000)).AsTask(); // the client waits for room before it lets go of these bytes
        Task queued = pair.Server.SendAsync(received.Message).AsTask();
        int holders = pooled.Holders;
        received.Dispose();

        Assert.That(holders, Is.EqualTo(2), "the receiver and the queued send");
        Assert.That(stuck.IsCompleted || queued.IsCompleted, Is.False, "the write loop is stuck");
        foreach (int number in new[] { 9, 10, 8 })
        {
            Message message = await pair.Client.ReceiveAsync().AsTask().WaitAsync(s_wait);
            Assert.That(message.BinaryData.ToArray(), Is.EqualTo(Payload(number, 200_000)), $"message {number}");
        }

        await Task.WhenAll(stuck, queued).WaitAsync(s_wait);
        Assert.That(pooled.Holders, Is.Zero, "back to the pool once written");
    }

    [Test]
    public async Task StalledSend_HoldsThePayload_CancelledAndDisposed_ItIsReturnedOnlyOnceSent()
    {
        // The client reads nothing at first (one-message queue), so the server's sends of the pooled
        // message stall once the socket buffers are full. While a send waits, it must hold the bytes
        // (two holders: the receiver and the send); the caller then cancels it and disposes the
        // message, and the bytes may go back to the pool only after the transport sent them.
        byte[] payload = Payload(7, 1 << 20);
        var checkedOnServer = new TaskCompletionSource<(int Sent, int HoldersWhileStalled)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            PooledMessage received = await ws.ReceivePooledAsync(ct);
            PooledPayload pooled = PooledPayload.Of(received.Message)!;
            int sent = 0;
            int holdersWhileStalled = 0;
            using var cancel = new CancellationTokenSource();
            while (sent < 64) // 64 MiB: far more than the socket buffers take
            {
                Task send = ws.SendAsync(received.Message, cancel.Token).AsTask();
                sent++;
                if (send.IsCompleted)
                {
                    await send;
                    continue;
                }

                // Sampled while the send is pending, and it is still pending afterwards: the count was
                // taken during the send. Otherwise it finished meanwhile: send the next copy.
                int holders = pooled.Holders;
                if (send.IsCompleted)
                {
                    await send;
                    continue;
                }

                holdersWhileStalled = holders;
                await cancel.CancelAsync();
                try
                {
                    await send;
                }
                catch (OperationCanceledException)
                {
                    // The caller stops waiting; the frame's header is on the wire, so its payload follows.
                }

                break;
            }

            received.Dispose();

            // Waits for the write gate, which a payload being sent directly holds until the kernel took it.
            Task after = ws.SendAsync("after", ct).AsTask();
            checkedOnServer.TrySetResult((sent, holdersWhileStalled));
            await after;
            await ws.SendAsync($"holders {pooled.Holders}", ct);
        }, LocalServer.Options());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions(maxQueue: 1));
        await client.SendAsync(payload);

        (int sent, int holdersWhileStalled) = await checkedOnServer.Task.WaitAsync(s_wait);
        Assert.That(sent, Is.LessThan(64), "a send stalled");
        Assert.That(holdersWhileStalled, Is.GreaterThanOrEqualTo(2), "the receiver and the stalled send");

        for (int i = 0; i < sent; i++) // the cancelled one too
        {
            Message echo = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
            Assert.That(echo.BinaryData.ToArray(), Is.EqualTo(payload), $"echo {i}");
        }

        Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Text, Is.EqualTo("after"));
        Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Text, Is.EqualTo("holders 0"), "back to the pool once sent");
    }
}
