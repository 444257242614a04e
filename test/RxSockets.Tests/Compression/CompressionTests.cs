using System;
using System.Buffers;
using System.IO;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>permessage-deflate through the runtime: in-memory pairs with a raw engine peer, and client ↔ server over 127.0.0.1.</summary>
[TestFixture]
[CancelAfter(60_000)]
[Description("RFC 7692")]
public sealed class CompressionTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private static readonly PerMessageDeflateOptions s_options = new();

    private static string LargeText { get; } = string.Concat(Enumerable.Range(0, 4000).Select(i => $"{{\"seq\":{i},\"symbol\":\"MSFT\"}} "));

    [Test]
    public async Task InMemoryPair_LargeMessagesBothWays_ArriveIntact()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = Negotiate(s_options, s_options);
        (ITransport a, ITransport b) = InMemoryTransports.CreatePair();
        await using var clientEnd = new WebSocketConnection(a, ConnectionSide.Client, NoKeepAlive(), null, null, client);
        await using var serverEnd = new WebSocketConnection(b, ConnectionSide.Server, NoKeepAlive(), null, null, server);
        clientEnd.Start();
        serverEnd.Start();
        byte[] binary = Encoding.UTF8.GetBytes(LargeText);

        await clientEnd.SendAsync(LargeText).AsTask().WaitAsync(s_wait);
        await clientEnd.SendAsync(binary).AsTask().WaitAsync(s_wait);
        Message text = await serverEnd.ReceiveAsync().AsTask().WaitAsync(s_wait);
        Message data = await serverEnd.ReceiveAsync().AsTask().WaitAsync(s_wait);
        await serverEnd.SendAsync(text).AsTask().WaitAsync(s_wait);
        Message echoed = await clientEnd.ReceiveAsync().AsTask().WaitAsync(s_wait);

        Assert.That(text.Text, Is.EqualTo(LargeText));
        Assert.That(data.Data.ToArray(), Is.EqualTo(binary));
        Assert.That(echoed.Text, Is.EqualTo(LargeText));
        Assert.That(clientEnd.Compression, Is.Not.Null);
        Assert.That(serverEnd.Compression, Is.Not.Null);
    }

    [Test]
    public async Task SendAsync_LargeMessage_IsCompressed_UnlessItOptsOut()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = Negotiate(s_options, s_options);
        (ITransport a, ITransport b) = InMemoryTransports.CreatePair();
        await using var serverEnd = new WebSocketConnection(b, ConnectionSide.Server, NoKeepAlive(), null, null, server);
        serverEnd.Start();

        // Through the sink, which keeps order and does not wait: the in-memory pipe holds 64 KiB, so
        // the uncompressed copy is only written as the reader below makes room.
        serverEnd.OnNext(LargeText);
        serverEnd.OnNext(Message.FromText(LargeText).WithoutCompression());
        serverEnd.OnNext("small");

        // Read the raw frames with a bare engine, as the peer would.
        using var peer = new ProtocolConnection(ConnectionSide.Client, null, null, client);
        var firstBytes = new System.Collections.Generic.List<byte>();
        var messages = new System.Collections.Generic.List<string>();
        while (messages.Count < 3)
        {
            ReadResult read = await a.Input.ReadAsync().AsTask().WaitAsync(s_wait);
            ReadOnlySequence<byte> buffer = read.Buffer;
            while (true)
            {
                if (buffer.Length > 0 && messages.Count == firstBytes.Count)
                {
                    firstBytes.Add(buffer.FirstSpan[0]);
                }

                peer.ReceiveData(buffer, out SequencePosition consumed, out _);
                buffer = buffer.Slice(consumed);
                if (!peer.TryReadEvent(out ProtocolEvent e))
                {
                    break;
                }

                messages.Add(Encoding.UTF8.GetString(e.Payload.Span));
            }

            a.Input.AdvanceTo(buffer.Start, buffer.End);
        }

        serverEnd.Abort(); // the bare peer never answers a close
        Assert.That(messages.Select(m => m == LargeText ? "large" : m), Is.EqualTo(new[] { "large", "large", "small" }));
        Assert.That(firstBytes, Is.EqualTo(new byte[] { 0xc1, 0x81, 0x81 }), "RSV1 only on the compressed message: not on the opt-out nor below the 1 KiB threshold");
    }

    [Test]
    public async Task ReceivingABomb_ClosesWith1009_AndFailsTheIncomingStream()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = Negotiate(s_options, s_options);
        (ITransport a, ITransport b) = InMemoryTransports.CreatePair();
        await using var serverEnd = new WebSocketConnection(b, ConnectionSide.Server, NoKeepAlive(), null, null, server);
        serverEnd.Start();

        // 64 MiB of zeros compressed to about 64 KiB, in one masked client frame with RSV1.
        var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++)
            {
                deflate.Write(zeros);
            }
        }

        FrameWriter.WriteFrame(a.Output, Opcode.Binary, true, compressed.ToArray(), maskKey: 0x12345678, rsv: 4);
        await a.Output.FlushAsync();

        // The server closes TCP first after failing (RFC 6455 §7.1.1): read its close frame to the end, then hang up too.
        byte[] received = [];
        while (true)
        {
            ReadResult read = await a.Input.ReadAsync().AsTask().WaitAsync(s_wait);
            received = read.Buffer.ToArray();
            a.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await a.Output.CompleteAsync();
        var closed = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await serverEnd.ReceiveAsync().AsTask().WaitAsync(s_wait));
        Assert.That(Convert.ToHexString(received.AsSpan(0, 4)), Is.EqualTo("881103F1"), "close 1009 \"message too big\"");
        Assert.That(closed!.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(closed.InnerException, Is.InstanceOf<MessageTooLargeException>());
    }

    [TestCase(true, true, true)]
    [TestCase(true, false, false)]
    [TestCase(false, true, false)]
    [TestCase(false, false, false)]
    public async Task ClientAndServer_OverSockets_NegotiateOnlyWhenBothEnableIt(bool serverOn, bool clientOn, bool negotiated)
    {
        var serverOptions = new WebSocketServerOptions { PingInterval = null, Compression = serverOn ? new PerMessageDeflateOptions { ServerMaxWindowBits = 12, ClientMaxWindowBits = 12, MemoryLevel = 5 } : null };
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            async (ws, ct) =>
            {
                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                    await ws.SendAsync(message.IsText ? Message.FromText($"{(ws.Compression is null ? "plain" : "deflate")}:{message.Text}") : message, ct);
                }
            },
            serverOptions);
        var clientOptions = new WebSocketClientOptions { PingInterval = null, Compression = clientOn ? new PerMessageDeflateOptions() : null };

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, clientOptions).WaitAsync(s_wait);
        await client.SendAsync(LargeText).AsTask().WaitAsync(s_wait);
        string reply = await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait);

        Assert.That(client.Compression is not null, Is.EqualTo(negotiated));
        Assert.That(reply, Is.EqualTo((negotiated ? "deflate:" : "plain:") + LargeText));
        if (negotiated)
        {
            Assert.That(client.Compression!.ServerMaxWindowBits, Is.EqualTo(12));
            Assert.That(client.Compression.ClientMaxWindowBits, Is.EqualTo(12));
        }
    }

    [Test]
    public async Task ConnectAsync_ServerAnswerTheClientCannotHonour_FailsTheHandshake()
    {
        // A hand-written server that accepts permessage-deflate with client_max_window_bits=8.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task serve = Task.Run(async () =>
        {
            using TcpClient socket = await listener.AcceptTcpClientAsync();
            NetworkStream stream = socket.GetStream();
            var parser = new HttpMessageParser();
            PipeReader reader = PipeReader.Create(stream);
            HandshakeRequest? request = null;
            while (request is null)
            {
                ReadResult read = await reader.ReadAsync();
                parser.ParseRequest(read.Buffer, out SequencePosition consumed, out SequencePosition examined, out request, out _);
                reader.AdvanceTo(consumed, examined);
            }

            string key = request.Headers.GetFirst("Sec-WebSocket-Key")!;
            string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Accept: {WebSocketKey.ComputeAccept(key)}\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=8\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            try
            {
                await reader.ReadAsync(); // until the client goes away (it aborts: a reset)
            }
            catch (IOException)
            {
            }
        });
        var options = new WebSocketClientOptions { Compression = new PerMessageDeflateOptions() };

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"), options).WaitAsync(s_wait));

        Assert.That(error!.Message, Does.Contain("client_max_window_bits=8"));
        await serve.WaitAsync(s_wait);
    }

    private static WebSocketOptions NoKeepAlive() => new() { PingInterval = null };

    private static (PerMessageDeflate Client, PerMessageDeflate Server) Negotiate(PerMessageDeflateOptions client, PerMessageDeflateOptions server)
    {
        Assert.That(PerMessageDeflate.TryAccept([PerMessageDeflate.CreateOffer(client)], server, out PerMessageDeflate? serverSide, out ExtensionOffer? response), Is.True);
        Assert.That(PerMessageDeflate.TryAcceptResponse(response!, client, out PerMessageDeflate? clientSide, out _), Is.True);
        return (clientSide!, serverSide!);
    }
}
