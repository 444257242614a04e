using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Bounded memory on both sides: a full incoming queue stops reading, a full pipe stops the writer,
/// SendAsync then waits for room, and the non-blocking sink fails the connection instead of growing.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class BackpressureTests
{
    private const int MaxQueue = 4;
    private const int PipeBuffer = 4096;
    private const int HighWaterMark = 1024;
    private const int MessageSize = 512;

    /// <summary>32 KiB in all: far more than the receiver's queue, the pipe and the sender's high-water mark hold together (about 15 messages).</summary>
    private const int Total = 64;

    [Test]
    public async Task SendAsync_ReceiverStalled_WaitsUntilTheReceiverReads()
    {
        await using var pair = StalledPair();
        int completed = 0;
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task producer = Task.Run(async () =>
        {
            for (int i = 0; i < Total; i++)
            {
                await pair.Client.SendAsync(Numbered(i));
                if (Interlocked.Increment(ref completed) == MaxQueue)
                {
                    firstSent.TrySetResult();
                }
            }
        });

        await firstSent.Task.Within();

        // The other direction is independent of the stalled one: round trips on it give the producer
        // every chance to run ahead, which it cannot, since nobody reads on the server.
        for (int i = 0; i < 3; i++)
        {
            await pair.Server.SendAsync("tick");
            await pair.Client.ReceiveAsync().Within();
        }

        Assert.That(producer.IsCompleted, Is.False, "a sender must wait once the queue, the pipe and the write buffer are full");
        Assert.That(Volatile.Read(ref completed), Is.LessThan(Total / 2));

        var received = new List<int>();
        for (int i = 0; i < Total; i++)
        {
            received.Add(NumberOf(await pair.Server.ReceiveAsync().Within()));
        }

        await producer.Within();
        Assert.That(received, Is.EqualTo(Enumerable.Range(0, Total)));
        Assert.That(completed, Is.EqualTo(Total));
    }

    [Test]
    public async Task SendAsync_ReceiverStalledThenSubscribes_DeliversEverythingInOrder()
    {
        await using var pair = StalledPair();
        Task producer = Task.Run(async () =>
        {
            for (int i = 0; i < Total; i++)
            {
                await pair.Client.SendAsync(Numbered(i));
            }

            await pair.Client.CloseAsync();
        });

        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        Assert.That(await observer.Ended.Within(), Is.Null);
        await producer.Within();
        Assert.That(observer.Messages.Select(NumberOf), Is.EqualTo(Enumerable.Range(0, Total)));
    }

    [Test]
    public async Task SendAsync_CancelledWhileWaiting_ThrowsOperationCanceledAndConnectionStaysUsable()
    {
        await using var pair = StalledPair();
        using var cts = new CancellationTokenSource();
        int sent = 0;
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> producer = Task.Run(async () =>
        {
            for (int i = 0; i < Total; i++)
            {
                try
                {
                    await pair.Client.SendAsync(Numbered(i), cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return i;
                }

                if (Interlocked.Increment(ref sent) == MaxQueue)
                {
                    firstSent.TrySetResult();
                }
            }

            return -1;
        });

        await firstSent.Task.Within();
        await cts.CancelAsync();
        int cancelled = await producer.Within();

        Assert.That(cancelled, Is.GreaterThanOrEqualTo(MaxQueue), "the producer cannot finish while nobody reads, so it was waiting when cancelled");
        Task after = pair.Client.SendAsync(Numbered(1000)).AsTask();
        var received = new List<int>();
        for (int i = 0; i < sent; i++)
        {
            received.Add(NumberOf(await pair.Server.ReceiveAsync().Within()));
        }

        // A cancelled send that was already queued may still go out ("once queued, the message may still be sent").
        int next = NumberOf(await pair.Server.ReceiveAsync().Within());
        if (next == cancelled)
        {
            next = NumberOf(await pair.Server.ReceiveAsync().Within());
        }

        await after.Within();
        Assert.That(received, Is.EqualTo(Enumerable.Range(0, sent)));
        Assert.That(next, Is.EqualTo(1000));
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task OnNext_SinkOverflowWithStalledPeer_FailsWith1011SendBufferOverflow()
    {
        WebSocketOptions clientOptions = ConnectionPair.NoKeepAlive();
        clientOptions.SinkBufferLimit = 8 * 1024;
        WebSocketOptions serverOptions = ConnectionPair.NoKeepAlive();
        serverOptions.MaxQueue = 1;
        await using var pair = ConnectionPair.Create(clientOptions, serverOptions, pipeBuffer: PipeBuffer);
        var clientObserver = new RecordingObserver();
        using var c = pair.Client.Subscribe(clientObserver);

        // 512 KiB pushed without waiting: the sink cannot wait, so it must give up, not grow.
        for (int i = 0; i < 1000; i++)
        {
            pair.Client.OnNext(Numbered(i));
        }

        // Seen once as Closed instead of Closing in a full CI run (not reproduced in isolation or
        // under CPU stress); the message says how it closed if it happens again.
        Assert.That(pair.Client.State, Is.Not.EqualTo(ConnectionState.Open), () => $"{pair.Client.ClosedException} inner: {pair.Client.ClosedException?.InnerException}");

        // Let the server read again so the close frame gets through.
        var serverObserver = new RecordingObserver();
        using var s = pair.Server.Subscribe(serverObserver);

        Exception? clientError = await clientObserver.Ended.Within();
        Exception? serverError = await serverObserver.Ended.Within();
        Assert.That(clientError, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(clientError!.InnerException, Is.InstanceOf<InvalidOperationException>());
        Assert.That(((ConnectionClosedException)clientError).Sent, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "send buffer overflow")));
        Assert.That(serverError, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)serverError!).Received, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "send buffer overflow")));
        Assert.That(serverObserver.Messages.Select(NumberOf), Is.EqualTo(Enumerable.Range(0, serverObserver.Messages.Count)), "what got through is a prefix, in order");
        Assert.That(serverObserver.Messages, Has.Count.LessThan(1000));
    }

    [Test]
    public async Task OnNext_WithinSinkBufferLimit_DeliversEverything()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        for (int i = 0; i < 1000; i++)
        {
            pair.Client.OnNext(Numbered(i)); // 512 KB, under the 4 MiB default
        }

        pair.Client.OnCompleted();

        Assert.That(await observer.Ended.Within(), Is.Null);
        Assert.That(observer.Messages.Select(NumberOf), Is.EqualTo(Enumerable.Range(0, 1000)));
    }

    /// <summary>A pair whose server keeps at most <see cref="MaxQueue"/> messages and whose client has a small write buffer.</summary>
    private static ConnectionPair StalledPair()
    {
        WebSocketOptions clientOptions = ConnectionPair.NoKeepAlive();
        clientOptions.WriteHighWaterMark = HighWaterMark;
        WebSocketOptions serverOptions = ConnectionPair.NoKeepAlive();
        serverOptions.MaxQueue = MaxQueue;
        return ConnectionPair.Create(clientOptions, serverOptions, pipeBuffer: PipeBuffer);
    }

    /// <summary>A binary message of <see cref="MessageSize"/> bytes starting with its number.</summary>
    private static Message Numbered(int i)
    {
        byte[] payload = new byte[MessageSize];
        BitConverter.TryWriteBytes(payload, i);
        return Message.FromBinary(payload);
    }

    private static int NumberOf(Message message) => BitConverter.ToInt32(message.Data.Span);
}
