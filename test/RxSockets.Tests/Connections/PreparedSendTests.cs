using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// <see cref="WebSocketConnection.TrySend(PreparedMessage)"/>, <see cref="WebSocketConnection.BufferedBytes"/>
/// and <see cref="WebSocketConnection.WaitForRoomAsync"/>: the non-waiting send that broadcasts and
/// feeds are built on.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class PreparedSendTests
{
    private const int HighWaterMark = 2048;
    private const int MessageSize = 512;

    [Test]
    public async Task TrySend_FromServer_DeliversTheSameMessage()
    {
        await using var pair = ConnectionPair.Create();
        var prepared = new PreparedMessage(Message.FromText("héllo"));

        Assert.That(pair.Server.TrySend(prepared), Is.True);
        Assert.That(pair.Server.TrySend(new PreparedMessage(Message.FromBinary(new byte[] { 1, 2, 3 }))), Is.True);

        Assert.That((await pair.Client.ReceiveAsync().Within()).Text, Is.EqualTo("héllo"));
        Assert.That((await pair.Client.ReceiveAsync().Within()).Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task TrySend_FromClient_IsMaskedByTheClient()
    {
        await using var pair = ConnectionPair.Create();

        Assert.That(pair.Client.TrySend(new PreparedMessage("from client")), Is.True);

        // The server fails an unmasked frame with 1002: receiving it proves the client masked it.
        Assert.That((await pair.Server.ReceiveAsync().Within()).Text, Is.EqualTo("from client"));
    }

    [Test]
    public async Task TrySend_KeepsOrderWithSendAsyncAndTheSink()
    {
        await using var pair = ConnectionPair.Create();

        Task first = pair.Server.SendAsync("1").AsTask();
        pair.Server.TrySend(new PreparedMessage("2"));
        pair.Server.OnNext("3");
        pair.Server.TrySend(new PreparedMessage("4"));
        await first.Within();

        var received = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            received.Add(await pair.Client.ReceiveTextAsync().Within());
        }

        Assert.That(received, Is.EqualTo(new[] { "1", "2", "3", "4" }));
    }

    [Test]
    public async Task TrySend_AboveHighWaterMark_RefusesUntilThePeerReads_ThenWaitForRoomCompletes()
    {
        await using var pair = StalledPair();
        var prepared = new PreparedMessage(Message.FromBinary(new byte[MessageSize]));

        // Nobody reads on the client. Fill until refused; while the write loop still moves bytes
        // into the pipe, room comes back: fill again, until the pipe and the client's queue are
        // full and the refusal stands (bounded by what the pipe and the queue hold).
        int accepted = 0;
        Task room;
        while (true)
        {
            while (pair.Server.TrySend(prepared))
            {
                accepted++;
                Assert.That(accepted, Is.LessThan(1_000), "TrySend must refuse once the peer stalls");
            }

            room = pair.Server.WaitForRoomAsync().AsTask();
            if (!room.IsCompleted)
            {
                break;
            }

            await room;
            Assert.That(pair.Server.BufferedBytes, Is.LessThanOrEqualTo(HighWaterMark / 4));
        }

        for (int i = 0; i < accepted; i++)
        {
            await pair.Client.ReceiveAsync().Within();
        }

        await room.Within();
        Assert.That(pair.Server.BufferedBytes, Is.LessThanOrEqualTo(HighWaterMark / 4));
        Assert.That(pair.Server.TrySend(prepared), Is.True);
    }

    [Test]
    public async Task WaitForRoomAsync_WithRoom_CompletesAtOnce()
    {
        await using var pair = ConnectionPair.Create();

        Task room = pair.Server.WaitForRoomAsync().AsTask();

        Assert.That(room.IsCompletedSuccessfully, Is.True);
        Assert.That(pair.Server.BufferedBytes, Is.Zero);
    }

    [Test]
    public async Task WaitForRoomAsync_ConnectionClosesWhileWaiting_ThrowsConnectionClosed()
    {
        await using var pair = StalledPair();
        var prepared = new PreparedMessage(Message.FromBinary(new byte[MessageSize]));
        while (pair.Server.TrySend(prepared))
        {
        }

        Task room = pair.Server.WaitForRoomAsync().AsTask();
        pair.Server.Abort();

        Assert.That(async () => await room.Within(), Throws.InstanceOf<ConnectionClosedException>());
        Assert.That(pair.Server.TrySend(prepared), Is.False, "a closed connection accepts nothing");
    }

    [Test]
    public async Task Broadcast_PreparedMessage_ReachesEveryConnection()
    {
        await using var a = ConnectionPair.Create();
        await using var b = ConnectionPair.Create();
        var prepared = new PreparedMessage("news");

        int sent = WebSocketServer.Broadcast(prepared, [a.Server, b.Server]);

        Assert.That(sent, Is.EqualTo(2));
        Assert.That(await a.Client.ReceiveTextAsync().Within(), Is.EqualTo("news"));
        Assert.That(await b.Client.ReceiveTextAsync().Within(), Is.EqualTo("news"));
    }

    [Test]
    public void PreparedMessage_LoneSurrogate_ThrowsArgumentException()
    {
        Assert.That(() => new PreparedMessage(Message.FromText("\ud800")), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void PreparedMessage_Binary_KeepsPayloadAndFrameLength()
    {
        byte[] payload = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();

        var prepared = new PreparedMessage(Message.FromBinary(payload));
        payload[0] = 99; // the caller may reuse its buffer: the frame holds a copy

        Assert.That(prepared.Message.Data.ToArray(), Is.EqualTo(Enumerable.Range(0, 200).Select(i => (byte)i).ToArray()));
        Assert.That(prepared.Length, Is.EqualTo(200 + 4));
    }

    /// <summary>A pair whose server has a small high-water mark and a small pipe toward a client that does not read.</summary>
    private static ConnectionPair StalledPair()
    {
        WebSocketOptions serverOptions = ConnectionPair.NoKeepAlive();
        serverOptions.WriteHighWaterMark = HighWaterMark;
        WebSocketOptions clientOptions = ConnectionPair.NoKeepAlive();
        clientOptions.MaxQueue = 1;
        return ConnectionPair.Create(clientOptions, serverOptions, pipeBuffer: 4096);
    }
}
