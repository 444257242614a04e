using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Interop;

/// <summary>
/// permessage-deflate against python websockets and Node ws, both directions, with every
/// negotiation parameter they support: their clients against our server (peers/deflate_peer.*
/// client) and our client against their servers (peers/deflate_peer.* server). Each run echoes
/// text and binary messages from 0 bytes to 300 KB, so small, threshold-sized and multi-frame
/// compressed messages, context takeover and its absence, and small windows are all exercised.
/// </summary>
[TestFixture(PeerKind.Python)]
[TestFixture(PeerKind.Node)]
[CancelAfter(120_000)]
[Description("RFC 7692 against real peers")]
public sealed class DeflateInteropTests(PeerKind peer)
{
    private static readonly int[] s_sizes = [0, 1, 100, 1024, 5000, 70000, 300000];

    /// <summary>The peer's settings per case: python's factory keyword arguments, ws' perMessageDeflate object.</summary>
    private static readonly Dictionary<string, (string Python, string Node)> s_peerSettings = new()
    {
        ["defaults"] = ("{}", "{\"threshold\":0}"),
        ["no-context-takeover"] = ("{\"server_no_context_takeover\":true,\"client_no_context_takeover\":true}", "{\"threshold\":0,\"serverNoContextTakeover\":true,\"clientNoContextTakeover\":true}"),
        ["window-bits"] = ("{\"server_max_window_bits\":10,\"client_max_window_bits\":11}", "{\"threshold\":0,\"serverMaxWindowBits\":10,\"clientMaxWindowBits\":11}"),
        ["python-server-defaults"] = ("{\"server_max_window_bits\":12,\"client_max_window_bits\":12,\"compress_settings\":{\"memLevel\":5}}", "{\"threshold\":0,\"serverMaxWindowBits\":12,\"clientMaxWindowBits\":12,\"memLevel\":5}"),
        ["server-window-8"] = ("{\"server_max_window_bits\":8}", "{\"threshold\":0,\"serverMaxWindowBits\":8}"),
    };

    /// <summary>Our settings per case.</summary>
    private static readonly Dictionary<string, PerMessageDeflateOptions> s_ourSettings = new()
    {
        ["defaults"] = new() { Threshold = 0 },
        ["lean"] = new() { Threshold = 0, ServerMaxWindowBits = 12, ClientMaxWindowBits = 12, MemoryLevel = 5, ServerContextTakeover = false },
        ["asks"] = new() { Threshold = 0, ServerContextTakeover = false, ClientContextTakeover = false, ServerMaxWindowBits = 11, ClientMaxWindowBits = 12 },
    };

    [Test]
    public async Task PeerClient_OurServer_EchoesEverySizeCompressed(
        [Values("defaults", "no-context-takeover", "window-bits", "server-window-8")] string peerCase,
        [Values("defaults", "lean")] string ourCase)
    {
        Peers.Require(peer);
        var negotiated = new List<PerMessageDeflate?>();
        var options = new WebSocketServerOptions { PingInterval = null, Compression = s_ourSettings[ourCase], Limits = new ProtocolLimits { MaxMessageSize = 1 << 24, MaxFrameSize = 1 << 24 } };
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            async (ws, ct) =>
            {
                lock (negotiated)
                {
                    negotiated.Add(ws.Compression);
                }

                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                    await ws.SendAsync(message, ct);
                }
            },
            options);
        string settings = peer == PeerKind.Python ? s_peerSettings[peerCase].Python : s_peerSettings[peerCase].Node;

        await using PeerProcess client = StartPeer("client", server.Uri.AbsoluteUri, settings);
        IReadOnlyList<JsonElement> events = await client.WaitForExitAsync();

        bool declined = peerCase == "server-window-8"; // zlib cannot compress with an 8-bit window: we decline
        using (Assert.EnterMultipleScope())
        {
            Assert.That(events.Any(e => e.Is("event", "error")), Is.False, client.Describe());
            Assert.That(events.Single(e => e.Is("event", "open")).Text("extensions"), declined ? Is.Null : Does.Contain("permessage-deflate"), client.Describe());
            Assert.That(negotiated.Single() is null, Is.EqualTo(declined));
            foreach (int size in s_sizes)
            {
                foreach (string kind in new[] { "text", "binary" })
                {
                    Assert.That(events.Any(e => e.Text("check") == kind && e.GetProperty("size").GetInt32() == size && e.GetProperty("ok").GetBoolean()), Is.True, $"{kind} {size} echoed: {client.Describe()}");
                }
            }
        }
    }

    [Test]
    public async Task OurClient_PeerServer_EchoesEverySizeCompressed(
        [Values("defaults", "no-context-takeover", "window-bits", "python-server-defaults")] string peerCase,
        [Values("defaults", "asks")] string ourCase)
    {
        Peers.Require(peer);
        string settings = peer == PeerKind.Python ? s_peerSettings[peerCase].Python : s_peerSettings[peerCase].Node;
        await using PeerProcess server = StartPeer("server", settings, "--lifetime", "120");
        JsonElement ready = await server.WaitForAsync(e => e.Is("event", "ready") || e.Is("event", "error"));
        Assert.That(ready.Is("event", "ready"), Is.True, server.Describe());
        var options = new WebSocketClientOptions { PingInterval = null, Compression = s_ourSettings[ourCase], Limits = new ProtocolLimits { MaxMessageSize = 1 << 24, MaxFrameSize = 1 << 24 } };

        var uri = new Uri($"ws://127.0.0.1:{ready.GetProperty("port").GetInt32()}/");
        if (peer == PeerKind.Node && peerCase == "python-server-defaults" && ourCase == "asks")
        {
            // We ask for server_max_window_bits=11; ws configured with serverMaxWindowBits 12 will not
            // go lower and, instead of declining the extension, rejects the whole handshake.
            var rejected = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(uri, options));
            Assert.That(rejected!.StatusCode, Is.EqualTo(400));
            return;
        }

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(uri, options);
        using var timeout = new CancellationTokenSource(PeerProcess.Timeout);
        foreach (int size in s_sizes)
        {
            Message text = Message.FromText(Text(size));
            Message binary = Message.FromBinary(Binary(size));
            await client.SendAsync(text, timeout.Token);
            Assert.That(await client.ReceiveAsync(timeout.Token), Is.EqualTo(text), $"text {size}");
            await client.SendAsync(binary, timeout.Token);
            Assert.That(await client.ReceiveAsync(timeout.Token), Is.EqualTo(binary), $"binary {size}");
        }

        PerMessageDeflate agreed = client.Compression ?? throw new AssertionException($"not negotiated: {server.Describe()}");
        await client.CloseAsync(CloseCode.NormalClosure, "", timeout.Token);
        Assert.That(server.Seen.Any(e => e.Is("event", "open") && e.Text("extensions") is not null), Is.True, server.Describe());
        TestContext.Out.WriteLine($"{peer} {peerCase} / ours {ourCase}: {agreed}");
        if (peerCase == "window-bits")
        {
            Assert.That(agreed.ServerMaxWindowBits, Is.EqualTo(10));
        }

        if (ourCase == "asks")
        {
            Assert.That(agreed.ServerNoContextTakeover, Is.True);
            Assert.That(agreed.ClientNoContextTakeover, Is.True);
            Assert.That(agreed.ServerMaxWindowBits, Is.LessThanOrEqualTo(11));
            Assert.That(agreed.ClientMaxWindowBits, Is.LessThanOrEqualTo(12));
        }
    }

    /// <summary>Starts peers/deflate_peer.py or deflate_peer.js with <paramref name="args"/>.</summary>
    private PeerProcess StartPeer(params string[] args) => peer == PeerKind.Python
        ? PeerProcess.Start(Peers.PythonPath, ["deflate_peer.py", .. args], Peers.Directory)
        : PeerProcess.Start("node", ["deflate_peer.js", .. args], Peers.Directory);

    private static string Text(int size)
    {
        const string Unit = "permessage-deflate interop ";
        var builder = new StringBuilder(size + Unit.Length);
        while (builder.Length < size)
        {
            builder.Append(Unit);
        }

        return builder.ToString(0, size);
    }

    private static byte[] Binary(int size) => [.. Enumerable.Range(0, size).Select(i => (byte)((i % 251) ^ (i / 1000 % 256)))];
}
