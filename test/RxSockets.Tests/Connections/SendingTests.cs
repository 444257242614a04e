using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>The push side: SendAsync and the sink after a close, argument checks, order across both send styles.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class SendingTests
{
    [Test]
    public async Task SendAsync_AfterClose_ThrowsConnectionClosedException()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.CloseAsync().Within();
        await pair.Server.Completion.Within();

        await Assert.ThatAsync(async () => await pair.Client.SendAsync("late"), Throws.InstanceOf<ConnectionClosedException>());
        await Assert.ThatAsync(async () => await pair.Server.SendAsync(new byte[] { 1 }), Throws.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task SendAsync_WhileClosing_ThrowsConnectionClosedException()
    {
        var time = new RecordingTimeProvider();
        await using var peer = RawPeer.Start(new WebSocketOptions { PingInterval = null, TimeProvider = time });

        Task closing = peer.Connection.CloseAsync();
        await peer.ReadUntilAsync(ProtocolEventType.Close);

        Assert.That(peer.Connection.State, Is.EqualTo(ConnectionState.Closing));
        await Assert.ThatAsync(async () => await peer.Connection.SendAsync("late"), Throws.InstanceOf<ConnectionClosedException>());
        Assert.That(closing.IsCompleted, Is.False);
    }

    [Test]
    public async Task SendAsync_AfterPeerAborted_ThrowsConnectionClosedException()
    {
        await using var pair = ConnectionPair.Create();
        pair.Client.Abort();
        await pair.Server.Completion.Within();

        await Assert.ThatAsync(
            async () => await pair.Server.SendAsync("nobody listens"),
            Throws.InstanceOf<ConnectionClosedException>().With.Property(nameof(ConnectionClosedException.Code)).EqualTo(CloseCode.AbnormalClosure));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task SendAsync_FloodWhileTransportIsAborted_EverySenderEndsWithConnectionClosedException(bool abortSender)
    {
        await using var pair = ConnectionPair.Create();
        WebSocketConnection sender = pair.Server;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int sent = 0;
        Task<Exception?>[] senders = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 1_000_000; i++)
                {
                    await sender.SendAsync(new byte[100]);
                    if (Interlocked.Increment(ref sent) == 20)
                    {
                        started.TrySetResult();
                    }
                }

                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }))];
        await started.Task.Within();

        (abortSender ? pair.Server : pair.Client).Abort();

        Exception?[] endings = await Task.WhenAll(senders).Within();
        Assert.That(endings, Has.All.InstanceOf<ConnectionClosedException>(), "a send racing with the abort must fail, never hang");
        await sender.Completion.Within();
    }

    [Test]
    public async Task SendAsync_NullString_ThrowsArgumentNullException()
    {
        await using var pair = ConnectionPair.Create();

        await Assert.ThatAsync(async () => await pair.Client.SendAsync((string)null!), Throws.ArgumentNullException);
        await Assert.ThatAsync(async () => await pair.Client.SendAsync((byte[])null!), Throws.ArgumentNullException);
    }

    [Test]
    public async Task CloseAsync_With1005_ThrowsArgumentExceptionAndStaysOpen()
    {
        await using var pair = ConnectionPair.Create();

        Assert.That(() => pair.Client.CloseAsync(CloseCode.NoStatusReceived), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => pair.Client.CloseAsync(CloseCode.AbnormalClosure), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => pair.Client.CloseAsync(CloseCode.NormalClosure, new string('x', 124)), Throws.InstanceOf<ArgumentException>());

        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));
        await pair.Client.SendAsync("still open");
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("still open"));
    }

    [Test]
    public void WebSocketCloseException_With1005_ThrowsArgumentException()
    {
        Assert.That(() => new WebSocketCloseException(CloseCode.NoStatusReceived), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public async Task OnError_Null_ThrowsArgumentNullException()
    {
        await using var pair = ConnectionPair.Create();

        Assert.That(() => pair.Client.OnError(null!), Throws.ArgumentNullException);
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task SendAsync_LoneSurrogate_FailsThatMessageOnly()
    {
        await using var pair = ConnectionPair.Create();

        await Assert.ThatAsync(async () => await pair.Client.SendAsync("bad \ud800 text"), Throws.InstanceOf<ArgumentException>());
        await pair.Client.SendAsync("good");

        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("good"));
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task OnNext_AfterClose_IsDroppedWithoutThrowing()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.CloseAsync().Within();

        Assert.That(() => pair.Client.OnNext("dropped"), Throws.Nothing);
        Assert.That(() => pair.Client.OnCompleted(), Throws.Nothing);
        Assert.That(() => pair.Client.OnError(new InvalidOperationException()), Throws.Nothing);
        Assert.That(pair.Client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task SendAsyncAndOnNext_Interleaved_KeepOneOrder()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        for (int i = 0; i < 200; i++)
        {
            if (i % 2 == 0)
            {
                await pair.Client.SendAsync(Traffic.Number(i));
            }
            else
            {
                pair.Client.OnNext(i % 4 == 1 ? Message.FromText(Traffic.Number(i)) : Message.FromBinary(System.Text.Encoding.UTF8.GetBytes(Traffic.Number(i))));
            }
        }

        pair.Client.OnCompleted();

        Assert.That(await observer.Ended.Within(), Is.Null);
        Assert.That(observer.Messages.Select(m => m.Text), Is.EqualTo(Traffic.Numbers(200)));
        Assert.That(observer.Messages.Select(m => m.Type), Is.EqualTo(Enumerable.Range(0, 200).Select(i => i % 4 == 3 ? MessageType.Binary : MessageType.Text)));
    }

    [Test]
    public async Task SendAsync_ConcurrentSenders_EveryMessageArrivesOnce()
    {
        await using var pair = ConnectionPair.Create();
        var observer = new RecordingObserver();
        using var s = pair.Server.Subscribe(observer);

        Task[] senders = [.. Enumerable.Range(0, 4).Select(k => Task.Run(async () =>
        {
            for (int i = 0; i < 250; i++)
            {
                await pair.Client.SendAsync($"{k}:{i}");
            }
        }))];
        await Task.WhenAll(senders).Within();
        await pair.Client.CloseAsync().Within();

        Assert.That(await observer.Ended.Within(), Is.Null);
        Assert.That(observer.Messages, Has.Count.EqualTo(1000));
        for (int k = 0; k < 4; k++)
        {
            string prefix = $"{k}:";
            Assert.That(
                observer.Messages.Select(m => m.Text).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)),
                Is.EqualTo(Enumerable.Range(0, 250).Select(i => $"{k}:{i}")),
                "each sender's messages keep their order");
        }
    }

    [Test]
    public async Task SendAsync_AlreadyCancelledToken_ThrowsOperationCanceledAndSendsNothing()
    {
        await using var pair = ConnectionPair.Create();

        await Assert.ThatAsync(async () => await pair.Client.SendAsync("x", new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
        await pair.Client.SendAsync("y");

        Message received = await pair.Server.ReceiveAsync().Within();
        Assert.That(received.Text, Is.EqualTo("y"));
    }
}
