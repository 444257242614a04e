using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Zero-copy sends (issue 7): a server sends binary payloads of at least 64 KiB straight from the
/// message's memory after the frame header, over the socket transport. Nothing may come between the
/// header and the payload, and the payload must come after everything queued before it.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class DirectSendTests
{
    private static readonly TimeSpan s_wait = LocalServer.Wait;

    private static WebSocketServerOptions ServerOptions(PerMessageDeflateOptions? compression = null) => LocalServer.Options(compression);

    private static WebSocketClientOptions ClientOptions(PerMessageDeflateOptions? compression = null, int maxQueue = 16) =>
        LocalServer.ClientOptions(compression, maxQueue);

    private static byte[] Payload(int number, int length) => Traffic.Payload(number, length);

    [Test]
    public async Task MixedSizesAndSurfaces_ArriveIntactInOrder()
    {
        // Large binaries (direct), small binaries and text (copied), through SendAsync (inline path)
        // and OnNext (queued to the write loop when something is in flight).
        int[] lengths = [70_000, 10, 64 * 1024, 64 * 1024 - 1, 300_000, 5, 1 << 20, 100, 200_000];
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            for (int i = 0; i < 60; i++)
            {
                int length = lengths[i % lengths.Length];
                Message message = i % 5 == 4 ? Message.FromText($"text {i}") : Message.FromBinary(Payload(i, length));
                if (i % 2 == 0)
                {
                    await ws.SendAsync(message, ct);
                }
                else
                {
                    ws.OnNext(message);
                }
            }
        }, ServerOptions());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, ClientOptions());

        List<Message> received = await client.ReadAllAsync().ToListAsync().AsTask().WaitAsync(s_wait);

        Assert.That(received, Has.Count.EqualTo(60));
        for (int i = 0; i < 60; i++)
        {
            if (i % 5 == 4)
            {
                Assert.That(received[i].Text, Is.EqualTo($"text {i}"), $"message {i}");
            }
            else
            {
                Assert.That(received[i].BinaryData.ToArray(), Is.EqualTo(Payload(i, lengths[i % lengths.Length])), $"message {i}");
            }
        }

        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task PeerPingsDuringLargeSends_PongsNeverSplitAFrame()
    {
        // The server answers pings while it streams large payloads: a pong written between a
        // header and its payload would corrupt the stream (the client would fail with 1002).
        const int count = 40;
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            for (int i = 0; i < count; i++)
            {
                await ws.SendAsync(Payload(i, 256 * 1024), ct);
            }

            await ws.ReceiveAsync(ct); // until the client closes
        }, ServerOptions());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, ClientOptions());

        // Pings in bursts, not one round trip at a time, so pongs are owed while the server writes.
        using var done = new CancellationTokenSource();
        Task<int> pinging = Task.Run(async () =>
        {
            var pings = new List<Task>();
            while (!done.IsCancellationRequested && pings.Count < 20_000)
            {
                for (int k = 0; k < 20; k++)
                {
                    pings.Add(client.PingAsync(CancellationToken.None));
                }

                await Task.Yield();
            }

            await Task.WhenAll(pings).ConfigureAwait(false); // every ping is answered (a pong answers all earlier ones)
            return pings.Count;
        });
        for (int i = 0; i < count; i++)
        {
            Message message = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
            Assert.That(message.BinaryData.ToArray(), Is.EqualTo(Payload(i, 256 * 1024)), $"message {i}");
        }

        await done.CancelAsync();
        int answered = await pinging.WaitAsync(s_wait);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open), "no protocol error on the client");
        Assert.That(answered, Is.GreaterThan(0));
        await client.CloseAsync();
        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task CompressionNegotiated_LargeMessagesArriveIntactWithAndWithoutCompression()
    {
        // Compressed messages are written through the engine; WithoutCompression ones go direct.
        var deflate = new PerMessageDeflateOptions();
        byte[] compressible = Enumerable.Range(0, 500_000).Select(i => (byte)(i % 7)).ToArray();
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            Assert.That(ws.Compression, Is.Not.Null);
            await ws.SendAsync(Message.FromBinary(compressible), ct);
            await ws.SendAsync(Message.FromBinary(Payload(1, 400_000)).WithoutCompression(), ct);
            await ws.SendAsync(Message.FromBinary(compressible), ct);
        }, ServerOptions(deflate));
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, ClientOptions(deflate));

        List<Message> received = await client.ReadAllAsync().ToListAsync().AsTask().WaitAsync(s_wait);

        Assert.That(received.Select(m => m.BinaryData.ToArray()), Is.EqualTo(new[] { compressible, Payload(1, 400_000), compressible }));
    }

    [Test]
    public async Task PeerResetsDuringALargeSend_SendAsyncFailsInsteadOfHanging()
    {
        // The client reads nothing (one-message queue), so the server's sends stall in the kernel;
        // then the client resets the connection under them.
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                for (int i = 0; i < 64; i++)
                {
                    ValueTask send = ws.SendAsync(Payload(i, 1 << 20), ct);
                    if (!send.IsCompleted)
                    {
                        stalled.TrySetResult();
                    }

                    await send;
                }

                outcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
            }
        }, ServerOptions());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, ClientOptions(maxQueue: 1));

        await stalled.Task.WaitAsync(s_wait);
        client.Abort();
        Exception? error = await outcome.Task.WaitAsync(s_wait);

        Assert.That(error, Is.InstanceOf<ConnectionClosedException>().Or.InstanceOf<OperationCanceledException>());
    }
}
