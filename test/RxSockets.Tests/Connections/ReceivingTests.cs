using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>The pull side of a connection pair: ReceiveAsync, ReadAllAsync, message types and sizes, the size limit.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ReceivingTests
{
    private const int Count = 1_000;

    [Test]
    public async Task ReceiveAsync_ThousandMessages_ArriveInOrder()
    {
        await using var pair = ConnectionPair.Create();
        Task sending = Traffic.SendNumbersAsync(pair.Client, Count);

        var received = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            received.Add((await pair.Server.ReceiveAsync().Within()).Text);
        }

        await sending.Within();
        Assert.That(received, Is.EqualTo(Traffic.Numbers(Count)));
    }

    [Test]
    public async Task ReceiveAsync_ThousandMessagesFromServer_ArriveInOrder()
    {
        await using var pair = ConnectionPair.Create();
        Task sending = Traffic.SendNumbersAsync(pair.Server, Count);

        var received = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            received.Add((await pair.Client.ReceiveAsync().Within()).Text);
        }

        await sending.Within();
        Assert.That(received, Is.EqualTo(Traffic.Numbers(Count)));
    }

    [Test]
    public async Task ReadAllAsync_ThousandMessagesThenNormalClose_ArriveInOrderAndEndNormally()
    {
        await using var pair = ConnectionPair.Create();
        Task sending = Task.Run(async () =>
        {
            await Traffic.SendNumbersAsync(pair.Client, Count);
            await pair.Client.CloseAsync();
        });

        var received = new List<string>();
        await foreach (Message message in pair.Server.ReadAllAsync())
        {
            received.Add(message.Text);
        }

        await sending.Within();
        Assert.That(received, Is.EqualTo(Traffic.Numbers(Count)));
    }

    [Test]
    public async Task ReadAllAsync_CloseWith1011_ThrowsConnectionClosedException()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.SendAsync("before");
        Task closing = pair.Client.CloseAsync(CloseCode.InternalError, "broken");

        var received = new List<string>();
        ConnectionClosedException? error = null;
        try
        {
            await foreach (Message message in pair.Server.ReadAllAsync())
            {
                received.Add(message.Text);
            }
        }
        catch (ConnectionClosedException ex)
        {
            error = ex;
        }

        await closing.Within();
        Assert.That(received, Is.EqualTo(new[] { "before" }));
        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(error.Reason, Is.EqualTo("broken"));
        Assert.That(error.IsNormal, Is.False);
    }

    [Test]
    public async Task ReceiveAsync_TextAndBinary_KeepTheirType()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.SendAsync("text");
        await pair.Client.SendAsync(new byte[] { 0, 1, 2, 255 });
        await pair.Client.SendAsync("more text");
        Message text = await pair.Server.ReceiveAsync().Within();
        Message binary = await pair.Server.ReceiveAsync().Within();
        Message moreText = await pair.Server.ReceiveAsync().Within();

        Assert.That(text.Type, Is.EqualTo(MessageType.Text));
        Assert.That(text.Text, Is.EqualTo("text"));
        Assert.That(binary.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(binary.Data.ToArray(), Is.EqualTo(new byte[] { 0, 1, 2, 255 }));
        Assert.That(moreText.Type, Is.EqualTo(MessageType.Text));
        Assert.That(moreText.Text, Is.EqualTo("more text"));
    }

    [Test]
    public async Task ReceiveAsync_NonAsciiText_RoundTrips()
    {
        await using var pair = ConnectionPair.Create();
        const string text = "héllo wörld — 日本語 🎉";

        await pair.Server.SendAsync(text);
        Message received = await pair.Client.ReceiveAsync().Within();

        Assert.That(received.Text, Is.EqualTo(text));
    }

    [Test]
    public async Task ReceiveAsync_EmptyMessages_KeepTheirType()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.SendAsync(string.Empty);
        await pair.Client.SendAsync(Array.Empty<byte>());
        Message text = await pair.Server.ReceiveAsync().Within();
        Message binary = await pair.Server.ReceiveAsync().Within();

        Assert.That(text.Type, Is.EqualTo(MessageType.Text));
        Assert.That(text.Text, Is.Empty);
        Assert.That(binary.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(binary.Data.Length, Is.Zero);
    }

    [Test]
    public async Task ReceiveAsync_OneMebibyteBinary_ArrivesIntact()
    {
        await using var pair = ConnectionPair.Create();
        byte[] payload = new byte[1024 * 1024];
        new Random(42).NextBytes(payload);

        Task sending = pair.Client.SendAsync(payload).AsTask();
        Message received = await pair.Server.ReceiveAsync().Within();
        await sending.Within();

        Assert.That(received.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(received.Data.Span.SequenceEqual(payload), Is.True);
    }

    [Test]
    public async Task ReceiveAsync_OneMebibyteText_ArrivesIntact()
    {
        await using var pair = ConnectionPair.Create();
        string text = new('x', 1024 * 1024);

        Task sending = pair.Server.SendAsync(text).AsTask();
        Message received = await pair.Client.ReceiveAsync().Within();
        await sending.Within();

        Assert.That(received.Type, Is.EqualTo(MessageType.Text));
        Assert.That(received.Text, Is.EqualTo(text));
    }

    [TestCase(1024)]
    [TestCase(1024 * 1024)]
    public async Task Subscribe_MessageOfMaxMessageSizePlusOne_FailsBothSidesWith1009(int limit)
    {
        var serverOptions = ConnectionPair.NoKeepAlive();
        serverOptions.Limits = new ProtocolLimits { MaxMessageSize = limit };
        await using var pair = ConnectionPair.Create(serverOptions: serverOptions);
        var serverObserver = new RecordingObserver();
        var clientObserver = new RecordingObserver();
        using var s = pair.Server.Subscribe(serverObserver);
        using var c = pair.Client.Subscribe(clientObserver);

        await pair.Client.SendAsync(new byte[limit]);
        try
        {
            await pair.Client.SendAsync(new byte[limit + 1]).Within();
        }
        catch (ConnectionClosedException)
        {
            // The receiver may close before the whole frame was flushed: the send fails, which is fine.
        }

        Exception? serverError = await serverObserver.Ended.Within();
        Exception? clientError = await clientObserver.Ended.Within();

        Assert.That(serverObserver.Messages.Select(m => m.Data.Length), Is.EqualTo(new[] { limit }));
        Assert.That(serverError, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(serverError!.InnerException, Is.InstanceOf<MessageTooLargeException>());
        Assert.That(((ConnectionClosedException)serverError).Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(clientError, Is.InstanceOf<ConnectionClosedException>());
        Assert.That(((ConnectionClosedException)clientError!).Received?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(((ConnectionClosedException)clientError).Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public async Task ReceiveAsync_AfterNormalClose_ThrowsConnectionClosedExceptionThatIsNormal()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.CloseAsync().Within();
        await pair.Server.Completion.Within();

        await Assert.ThatAsync(
            async () => await pair.Client.ReceiveAsync(),
            Throws.InstanceOf<ConnectionClosedException>().With.Property(nameof(ConnectionClosedException.IsNormal)).True);
        await Assert.ThatAsync(
            async () => await pair.Server.ReceiveAsync(),
            Throws.InstanceOf<ConnectionClosedException>().With.Property(nameof(ConnectionClosedException.IsNormal)).True);
    }

    [Test]
    public async Task ReceiveAsync_AfterCloseWith1011_ThrowsConnectionClosedExceptionWithCode()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.CloseAsync(CloseCode.InternalError).Within();
        await pair.Server.Completion.Within();

        await Assert.ThatAsync(
            async () => await pair.Server.ReceiveAsync(),
            Throws.InstanceOf<ConnectionClosedException>()
                .With.Property(nameof(ConnectionClosedException.IsNormal)).False
                .And.Property(nameof(ConnectionClosedException.Code)).EqualTo(CloseCode.InternalError));
    }

    [Test]
    public async Task ReceiveAsync_MessagesQueuedBeforeClose_AreStillReceived()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.SendAsync("a");
        await pair.Client.SendAsync("b");
        await pair.Client.CloseAsync().Within();
        await pair.Server.Completion.Within();

        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("a"));
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("b"));
        await Assert.ThatAsync(async () => await pair.Server.ReceiveAsync(), Throws.InstanceOf<ConnectionClosedException>());
    }

    [Test]
    public async Task ReceiveAsync_Cancelled_ThrowsOperationCanceledAndConnectionStaysUsable()
    {
        await using var pair = ConnectionPair.Create();
        using var cts = new CancellationTokenSource();

        ValueTask<Message> waiting = pair.Server.ReceiveAsync(cts.Token);
        await cts.CancelAsync();

        await Assert.ThatAsync(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        await pair.Client.SendAsync("after");
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("after"));
        Assert.That(pair.Server.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task ReceiveAsync_AlreadyCancelledToken_ThrowsOperationCanceledAndKeepsTheMessage()
    {
        await using var pair = ConnectionPair.Create();
        await pair.Client.SendAsync("kept");

        await Assert.ThatAsync(async () => await pair.Server.ReceiveAsync(new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("kept"));
    }

    [Test]
    public async Task ReadAllAsync_Cancelled_ThrowsOperationCanceledAndConnectionStaysUsable()
    {
        await using var pair = ConnectionPair.Create();
        using var cts = new CancellationTokenSource();
        await pair.Client.SendAsync("first");

        var received = new List<string>();
        await Assert.ThatAsync(
            async () =>
            {
                await foreach (Message message in pair.Server.ReadAllAsync(cts.Token))
                {
                    received.Add(message.Text);
                    await cts.CancelAsync();
                }
            },
            Throws.InstanceOf<OperationCanceledException>());

        await pair.Client.SendAsync("second");
        Assert.That(received, Is.EqualTo(new[] { "first" }));
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("second"));
    }

    [Test]
    public async Task ReceiveTextAsync_BinaryMessage_DecodesUtf8()
    {
        await using var pair = ConnectionPair.Create();

        await pair.Client.SendAsync("ok"u8.ToArray());

        Assert.That(await pair.Server.ReceiveTextAsync().Within(), Is.EqualTo("ok"));
    }
}
