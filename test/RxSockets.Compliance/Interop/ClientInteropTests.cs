using System;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Interop;

/// <summary>
/// Our client against real servers: python websockets' and Node ws' (peers/*_server.py|js), one
/// child process per test, bound to 127.0.0.1 on a free port; it reports open and close events as
/// JSON lines.
/// </summary>
[TestFixture(PeerKind.Python)]
[TestFixture(PeerKind.Node)]
[Description("RFC 6455 §5 (framing), §5.4 (fragmentation), §5.5.2 (ping), §7 (closing), §4.1 (subprotocols) against real peers")]
public sealed class ClientInteropTests(PeerKind peer)
{
    private PeerProcess? _server;
    private int _port;

    [SetUp]
    public async Task StartPeerServer() => (_server, _port) = await Peers.StartServerAsync(peer);

    [TearDown]
    public async Task StopPeerServer()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public async Task Echo_TextAtEverySize_ComesBackUnchanged()
    {
        await using WebSocketConnection ws = await ConnectAsync("/echo");
        foreach (int size in Payloads.Sizes)
        {
            string text = Payloads.Text(size);
            await ws.SendAsync(text).AsTask().WaitAsync(PeerProcess.Timeout);
            Message echo = await ws.ReceiveAsync().AsTask().WaitAsync(PeerProcess.Timeout);
            Assert.That(echo.IsText && echo.Text == text, Is.True, $"{size}-byte text echo ({echo})");
        }

        await CloseNormallyAsync(ws);
    }

    [Test]
    public async Task Echo_BinaryAtEverySize_ComesBackUnchanged()
    {
        await using WebSocketConnection ws = await ConnectAsync("/echo");
        foreach (int size in Payloads.Sizes)
        {
            byte[] data = Payloads.Binary(size);
            await ws.SendAsync(data).AsTask().WaitAsync(PeerProcess.Timeout);
            Message echo = await ws.ReceiveAsync().AsTask().WaitAsync(PeerProcess.Timeout);
            Assert.That(echo.Type, Is.EqualTo(MessageType.Binary), $"{size}-byte binary echo");
            Assert.That(echo.Data.ToArray(), Is.EqualTo(data), $"{size}-byte binary echo");
        }

        await CloseNormallyAsync(ws);
    }

    [Test]
    public async Task Fragments_SentByPeerServer_AreReassembled()
    {
        await using WebSocketConnection ws = await ConnectAsync("/fragments");

        Message text = await ws.ReceiveAsync().AsTask().WaitAsync(PeerProcess.Timeout);
        Message binary = await ws.ReceiveAsync().AsTask().WaitAsync(PeerProcess.Timeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Is.EqualTo(Message.FromText(Payloads.FragmentedText)));
            Assert.That(binary.Type, Is.EqualTo(MessageType.Binary));
            Assert.That(binary.Data.ToArray(), Is.EqualTo(Payloads.FragmentedBinary));
        }

        await CloseNormallyAsync(ws);
    }

    [Test]
    public async Task Ping_FromPeerServer_IsAnsweredWithItsPayload()
    {
        await using WebSocketConnection ws = await ConnectAsync("/ping");

        // The peer reports the pong it received as a text message.
        string report = await ws.ReceiveTextAsync().AsTask().WaitAsync(PeerProcess.Timeout);

        Assert.That(report, Is.EqualTo("pong:" + Payloads.Hex(Payloads.PingPayload)));
        await CloseNormallyAsync(ws);
    }

    [Test]
    public async Task Close_InitiatedByOurClient_CodeAndReasonSeenByBothSides()
    {
        const string reason = "client bye ✓";
        WebSocketConnection ws = await ConnectAsync("/echo");

        await ws.CloseAsync((CloseCode)4001, reason).WaitAsync(PeerProcess.Timeout);
        JsonElement closed = await _server!.WaitForAsync(e => e.Is("event", "closed"));

        var status = new CloseStatus((CloseCode)4001, reason);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(closed.Close("rcvd"), Is.EqualTo($"4001 {reason}"), "received by the peer");
            Assert.That(ws.ClosedException!.Sent, Is.EqualTo(status), "sent by our client");
            Assert.That(ws.ClosedException.Received, Is.EqualTo(status), "the peer's echo");
            Assert.That(ws.ClosedException.ReceivedThenSent, Is.False);
        }
    }

    [Test]
    public async Task Close_InitiatedByPeerServer_CodeAndReasonSeenByBothSides()
    {
        const string reason = "server bye ✓";
        WebSocketConnection ws = await ConnectAsync($"/close?code=4002&reason={Uri.EscapeDataString(reason)}");

        await ws.Completion.WaitAsync(PeerProcess.Timeout);
        JsonElement closed = await _server!.WaitForAsync(e => e.Is("event", "closed"));

        var status = new CloseStatus((CloseCode)4002, reason);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ws.ClosedException!.Received, Is.EqualTo(status), "received by our client");
            Assert.That(ws.ClosedException.Sent, Is.EqualTo(status), "echoed by our client");
            Assert.That(ws.ClosedException.ReceivedThenSent, Is.True);
            Assert.That(ws.ClosedException.IsNormal, Is.False, "4002 is not a normal closure");
            Assert.That(closed.Close("rcvd"), Is.EqualTo($"4002 {reason}"), "our echo, seen by the peer");
        }
    }

    [Test]
    [Description("RFC 6455 §7.4.1: 1009 for a message too big to process")]
    public async Task Limit_MessageOneByteOverOneMiBFromPeerServer_ClosesWith1009()
    {
        WebSocketConnection ws = await ConnectAsync($"/big?size={Payloads.OneMiB + 1}");

        await ws.Completion.WaitAsync(PeerProcess.Timeout);
        JsonElement closed = await _server!.WaitForAsync(e => e.Is("event", "closed"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ws.ClosedException!.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig), "sent by our client");
            Assert.That(ws.ClosedException.InnerException, Is.InstanceOf<MessageTooLargeException>());
            Assert.That(closed.Close("rcvd")?.Split(' ')[0], Is.EqualTo("1009"), "seen by the peer");
        }
    }

    [Test]
    public async Task Limit_MessageOfExactlyOneMiBFromPeerServer_IsDelivered()
    {
        await using WebSocketConnection ws = await ConnectAsync($"/big?size={Payloads.OneMiB}");

        Message message = await ws.ReceiveAsync().AsTask().WaitAsync(PeerProcess.Timeout);

        Assert.That(message.Data.ToArray(), Is.EqualTo(Payloads.Binary(Payloads.OneMiB)));
        await CloseNormallyAsync(ws);
    }

    [Test]
    public async Task Subprotocol_OfferedByOurClient_IsNegotiatedOnBothSides()
    {
        await using WebSocketConnection ws = await ConnectAsync("/echo", "x-unknown", "chat.v2");
        JsonElement opened = await _server!.WaitForAsync(e => e.Is("event", "open"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ws.Subprotocol, Is.EqualTo("chat.v2"));
            Assert.That(opened.Text("subprotocol"), Is.EqualTo("chat.v2"));
        }
    }

    [Test]
    public async Task Subprotocol_NoneInCommon_ConnectsWithoutOne()
    {
        await using WebSocketConnection ws = await ConnectAsync("/echo", "x-unknown");
        JsonElement opened = await _server!.WaitForAsync(e => e.Is("event", "open"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ws.Subprotocol, Is.Null);
            Assert.That(opened.Text("subprotocol"), Is.Null);
        }

        await ws.SendAsync("still works");
        Assert.That(await ws.ReceiveTextAsync().AsTask().WaitAsync(PeerProcess.Timeout), Is.EqualTo("still works"));
    }

    private Task<WebSocketConnection> ConnectAsync(string pathAndQuery, params string[] subprotocols) =>
        WebSocketClient.ConnectAsync(
            new Uri($"ws://127.0.0.1:{_port}{pathAndQuery}"),
            new WebSocketClientOptions { Subprotocols = subprotocols }).WaitAsync(PeerProcess.Timeout);

    private async Task CloseNormallyAsync(WebSocketConnection ws)
    {
        await ws.CloseAsync().WaitAsync(PeerProcess.Timeout);
        JsonElement closed = await _server!.WaitForAsync(e => e.Is("event", "closed"));
        Assert.That(closed.Close("rcvd"), Is.EqualTo("1000 "), $"the close the peer received{_server.Describe()}");
        Assert.That(ws.ClosedException!.IsNormal, Is.True);
    }
}
