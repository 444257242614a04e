using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Interop;

/// <summary>
/// Our server against real clients: python websockets' and Node ws' (peers/*_client.py|js), each a
/// child process that runs one scenario, reports JSON lines, and exits by itself.
/// </summary>
/// <remarks>
/// Each peer runs twice: on the library's defaults, and on the defaults with permessage-deflate
/// accepted (both peers' clients offer it by default), so every scenario also runs compressed.
/// </remarks>
[TestFixture(PeerKind.Python, false)]
[TestFixture(PeerKind.Python, true)]
[TestFixture(PeerKind.Node, false)]
[TestFixture(PeerKind.Node, true)]
[Description("RFC 6455 §5 (framing), §5.4 (fragmentation), §5.5.2 (ping), §7 (closing), §4.2.2 (subprotocols) against real peers")]
public sealed class ServerInteropTests(PeerKind peer, bool deflate)
{
    private RecordingServer _server = null!;

    [SetUp]
    public async Task StartServer()
    {
        Peers.Require(peer);
        _server = await RecordingServer.StartAsync(deflate);
    }

    [TearDown]
    public async Task StopServer()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [TestCase("echo-text")]
    [TestCase("echo-binary")]
    public async Task Echo_EverySizeFromPeerClient_ComesBackUnchanged(string scenario)
    {
        bool text = scenario == "echo-text";
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", scenario);

        Message[] expected = [.. Payloads.Sizes.Select(size => text ? Message.FromText(Payloads.Text(size)) : Message.FromBinary(Payloads.Binary(size)))];
        using (Assert.EnterMultipleScope())
        {
            foreach (int size in Payloads.Sizes)
            {
                Assert.That(events.Any(e => e.Is("check", scenario) && e.GetProperty("size").GetInt32() == size && e.GetProperty("ok").GetBoolean()), Is.True, $"the peer got its {size}-byte message back");
            }

            Assert.That(_server.Received.ToArray(), Is.EqualTo(expected), "what our server received");
            // python's close() sends 1000; Node ws' close() sends an empty close frame, so both sides see 1005 (no code): normal either way.
            Assert.That(events[^1].Close("rcvd"), Is.EqualTo(peer == PeerKind.Python ? "1000 " : "1005 "), "close seen by the peer");
        }
    }

    [Test]
    public async Task Fragments_SentByPeerClient_AreReassembled()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "fragments");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_server.Received.ToArray(), Is.EqualTo(new[] { Message.FromText(Payloads.FragmentedText), Message.FromBinary(Payloads.FragmentedBinary) }));
            Assert.That(events.Where(e => e.Text("check") is not null).Select(e => $"{e.Text("check")} {e.GetProperty("ok").GetBoolean()}"), Is.EqualTo(new[] { "fragments-text True", "fragments-binary True" }));
        }
    }

    [Test]
    public async Task Ping_FromPeerClient_IsAnsweredWithItsPayload()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "ping");

        Assert.That(events.Single(e => e.Is("check", "ping")).GetProperty("ok").GetBoolean(), Is.True, "the pong carried the ping's payload");
    }

    [Test]
    public async Task Close_InitiatedByPeerClient_CodeAndReasonSeenByBothSides()
    {
        const string reason = "peer bye ✓";
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "close", "4001", reason);
        WebSocketConnection connection = await _server.FirstClosedAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.ClosedException!.Received, Is.EqualTo(new CloseStatus((CloseCode)4001, reason)), "received by our server");
            Assert.That(connection.ClosedException.Sent, Is.EqualTo(new CloseStatus((CloseCode)4001, reason)), "echoed by our server");
            Assert.That(connection.ClosedException.ReceivedThenSent, Is.True);
            Assert.That(events[^1].Close("rcvd"), Is.EqualTo($"4001 {reason}"), "the echo seen by the peer");
        }
    }

    [Test]
    public async Task Close_InitiatedByOurServer_CodeAndReasonSeenByBothSides()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/close", "wait-close");
        WebSocketConnection connection = await _server.FirstClosedAsync();

        var status = new CloseStatus(RecordingServer.CloseCode, RecordingServer.CloseReason);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(events[^1].Close("rcvd"), Is.EqualTo($"4002 {RecordingServer.CloseReason}"), "received by the peer");
            Assert.That(connection.ClosedException!.Sent, Is.EqualTo(status), "sent by our server");
            Assert.That(connection.ClosedException.Received, Is.EqualTo(status), "the peer's echo");
            Assert.That(connection.ClosedException.ReceivedThenSent, Is.False);
        }
    }

    [Test]
    [Description("RFC 6455 §7.4.1: 1009 for a message too big to process")]
    public async Task Limit_MessageOneByteOverOneMiBFromPeerClient_ClosesWith1009()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "send-binary", (Payloads.OneMiB + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        WebSocketConnection connection = await _server.FirstClosedAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(events[^1].Close("rcvd")?.Split(' ')[0], Is.EqualTo("1009"), "seen by the peer");
            Assert.That(connection.ClosedException!.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig), "sent by our server");
            Assert.That(connection.ClosedException.InnerException, Is.InstanceOf<MessageTooLargeException>());
            Assert.That(_server.Received, Is.Empty, "nothing delivered");
        }
    }

    [Test]
    [Description("RFC 7692 §6 with ProtocolLimits' rule: a compressed frame may exceed MaxFrameSize by deflate's growth")]
    public async Task Limit_IncompressibleMessageOfExactlyOneMiBFromPeerClient_IsDelivered()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "send-noise", Payloads.OneMiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WebSocketConnection connection = await _server.FirstClosedAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Compression is not null, Is.EqualTo(deflate), "compressed exactly when the server accepts it");
            Assert.That(_server.Received.Select(m => m.Data.ToArray()), Is.EqualTo(new[] { Payloads.Noise(Payloads.OneMiB) }), "delivered, whole");
            Assert.That(connection.ClosedException!.IsNormal, Is.True, () => $"{connection.ClosedException} / peer: {events[^1]}");
        }
    }

    [Test]
    public async Task Shutdown_OfOurServer_PeerClientSees1001()
    {
        await using PeerProcess client = Peers.StartClient(peer, _server.UriFor("/echo"), "wait-close");
        await client.WaitForAsync(e => e.Is("event", "open"));

        await _server.Server.DisposeAsync().AsTask().WaitAsync(PeerProcess.Timeout);
        IReadOnlyList<JsonElement> events = await client.WaitForExitAsync();

        Assert.That(events[^1].Close("rcvd"), Is.EqualTo("1001 server shutting down"), client.Describe());
    }

    [Test]
    public async Task Subprotocol_OfferedByPeerClient_IsNegotiatedOnBothSides()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("/echo", "subprotocol", "x-unknown,chat.v2");
        WebSocketConnection connection = await _server.FirstClosedAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Subprotocol, Is.EqualTo("chat.v2"));
            Assert.That(events.Single(e => e.Is("event", "open")).Text("subprotocol"), Is.EqualTo("chat.v2"));
        }
    }

    /// <summary>
    /// With nothing in common our server accepts without a subprotocol (RFC 6455 §4.2.2 lets it).
    /// python websockets' client goes on without one; Node ws' client refuses such a response
    /// ("Server sent no subprotocol") and drops the TCP connection, which our server sees as 1006.
    /// </summary>
    [Test]
    public async Task Subprotocol_NoneInCommon_ServerAcceptsWithoutOne()
    {
        await using PeerProcess client = Peers.StartClient(peer, _server.UriFor("/echo"), "subprotocol", "x-unknown");
        IReadOnlyList<JsonElement> events = await client.WaitForExitAsync();
        WebSocketConnection connection = await _server.FirstClosedAsync();

        Assert.That(connection.Subprotocol, Is.Null);
        if (peer == PeerKind.Python)
        {
            Assert.That(events.Single(e => e.Is("event", "open")).Text("subprotocol"), Is.Null, client.Describe());
            Assert.That(connection.ClosedException!.IsNormal, Is.True);
        }
        else
        {
            Assert.That(events[0].Text("message"), Is.EqualTo("Server sent no subprotocol"), client.Describe());
            Assert.That(connection.ClosedException!.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        }
    }

    private async Task<IReadOnlyList<JsonElement>> RunClientAsync(string path, string scenario, params string[] args)
    {
        await using PeerProcess client = Peers.StartClient(peer, _server.UriFor(path), scenario, args);
        IReadOnlyList<JsonElement> events = await client.WaitForExitAsync();
        Assert.That(events.Any(e => e.Is("event", "error")), Is.False, client.Describe());
        Assert.That(events, Is.Not.Empty.And.Property("Count").GreaterThan(1), client.Describe());
        return events;
    }
}
