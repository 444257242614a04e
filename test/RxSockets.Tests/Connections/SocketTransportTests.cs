using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// The socket transport's receive and send loops (issue 7) with payloads around their sizes: the
/// receive grows from 16 KiB up to 256 KiB while reads fill it, and a gathered send the kernel
/// takes only part of continues from where it stopped. Run twice: with the Linux poll threads
/// (<see cref="WebSocketServerOptions.UseSocketPoller"/>, the default) and with the runtime's
/// asynchronous socket calls (other systems, or the poller turned off).
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[CancelAfter(60_000)]
public sealed class SocketTransportTests(bool polled)
{
    private static readonly TimeSpan s_wait = LocalServer.Wait;

    private readonly WebSocketServerOptions _options = CreateOptions(polled);

    private static WebSocketServerOptions CreateOptions(bool polled)
    {
        WebSocketServerOptions options = LocalServer.Options();
        options.UseSocketPoller = polled;
        return options;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Test]
    public async Task Echo_PayloadsAroundTheBufferSizes_ArriveIntactAndInOrder()
    {
        int[] sizes = [0, 1, 125, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 64 * 1024, 256 * 1024 - 3, 256 * 1024 + 7, 3 * 1024 * 1024 + 5, 17];
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }, _options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions());

        List<byte[]> sent = sizes.Select((size, i) => RandomBytes(size, i)).ToList();
        Task sending = Task.Run(async () =>
        {
            foreach (byte[] payload in sent)
            {
                await client.SendAsync(payload);
            }
        });
        var received = new List<byte[]>();
        for (int i = 0; i < sent.Count; i++)
        {
            received.Add((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).BinaryData.ToArray());
        }

        await sending.WaitAsync(s_wait);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.That(received[i], Is.EqualTo(sent[i]), $"message {i} ({sizes[i]} bytes)");
        }
    }

    [Test]
    public async Task SendAsync_PeerReadsLate_EveryByteArrivesAfterPartialSends()
    {
        // 32 MiB is far more than the kernel's socket buffers and the client's one-message queue
        // hold, so the gathered sends are cut short and SendAsync waits until the client reads.
        const int count = 32;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startReading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int completedBeforeReading = -1;
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            int completed = 0;
            Task sends = Task.Run(async () =>
            {
                for (int i = 0; i < count; i++)
                {
                    await ws.SendAsync(RandomBytes(1024 * 1024, 100 + i), ct);
                    completed++;
                }
            }, ct);
            await Task.WhenAny(sends, Task.Delay(TimeSpan.FromSeconds(1), ct)); // bounded: only records how far it got
            completedBeforeReading = completed;
            startReading.TrySetResult();
            await sends;
            allSent.TrySetResult();
            await ws.ReceiveAsync(ct); // until the client closes
        }, _options);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions(maxQueue: 1));

        await startReading.Task.WaitAsync(s_wait);
        for (int i = 0; i < count; i++)
        {
            Message message = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
            Assert.That(message.BinaryData.ToArray(), Is.EqualTo(RandomBytes(1024 * 1024, 100 + i)), $"message {i}");
        }

        await allSent.Task.WaitAsync(s_wait);
        Assert.That(completedBeforeReading, Is.LessThan(count), "the sender waited for the reader (backpressure reached SendAsync)");
    }
}
