using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>Limits under attack: slowloris, header bombs, fragment storms, clients that never read, crashes.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class AbuseTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Slowloris_HundredsOfTricklingHandshakes_DroppedAtOpenTimeout_WhileOthersAreServed()
    {
        const int attackers = 200;
        var time = new RecordingTimeProvider();
        var openTimeout = TimeSpan.FromSeconds(10);
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions { TimeProvider = time, OpenTimeout = openTimeout, PingInterval = null });
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < attackers; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.EndPoint);
                await socket.SendAsync("GET / HTTP/1.1\r\nHo"u8.ToArray());
                sockets.Add(socket);
            }

            await time.WhenTimersCreated(openTimeout, attackers).WaitAsync(s_wait);

            // A normal client is served while the attackers hold their sockets open.
            await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null }))
            {
                await client.SendAsync("still here");
                Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("still here"));
            }

            time.Advance(openTimeout);

            int[] reads = await Task.WhenAll(sockets.Select(s => s.ReceiveAsync(new byte[64], SocketFlags.None).WaitAsync(s_wait)));
            Assert.That(reads, Is.All.EqualTo(0), "every trickling handshake was closed without an answer");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Test]
    public async Task HeaderBomb_EndlessHeaderLine_Gets431WithoutBeingReadWhole()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nX-Bomb: "u8.ToArray());

        // Keep sending the same header line; the server must answer once it passes 8 KiB.
        byte[] chunk = Encoding.ASCII.GetBytes(new string('a', 1024));
        Task<string> answer = ReadAllAsync(socket);
        try
        {
            for (int i = 0; i < 1024 && !answer.IsCompleted; i++)
            {
                await socket.SendAsync(chunk);
            }
        }
        catch (SocketException)
        {
            // The server closed while we were still sending: expected.
        }

        Assert.That(await answer.WaitAsync(s_wait), Does.StartWith("HTTP/1.1 431 "));
    }

    [TestCase(128, "HTTP/1.1 101 ")]
    [TestCase(129, "HTTP/1.1 431 ")]
    public async Task HeaderCount_AtAndOverTheLimit(int count, string expected)
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        var request = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (int i = 5; i < count; i++)
        {
            request.Append(System.Globalization.CultureInfo.InvariantCulture, $"X-{i}: v\r\n");
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        byte[] buffer = new byte[1024];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(s_wait);

        Assert.That(Encoding.ASCII.GetString(buffer, 0, n), Does.StartWith(expected));
    }

    [TestCase(100, false)]
    [TestCase(101, true)]
    public async Task FragmentStorm_TinyFragmentsOverMaxFragments_Closes1009(int frames, bool rejected)
    {
        var closed = new TaskCompletionSource<ConnectionClosedException>(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                received.TrySetResult(await ws.ReceiveAsync(ct));
            }
            catch (ConnectionClosedException)
            {
            }

            await ws.Completion;
            closed.TrySetResult(ws.ClosedException!);
        }, new WebSocketServerOptions { Limits = new ProtocolLimits { MaxFragments = 100 }, CloseTimeout = TimeSpan.FromSeconds(1) });

        // A raw client: handshake by hand, then frames written with the engine: one text frame
        // and empty continuations, the last with FIN.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var engine = new ProtocolConnection(ConnectionSide.Client);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        engine.SendText("x"u8, output, fin: false);
        for (int i = 1; i < frames; i++)
        {
            engine.SendContinuation([], output, fin: i == frames - 1);
        }

        await socket.SendAsync(output.WrittenMemory);

        if (rejected)
        {
            ConnectionClosedException serverSide = await closed.Task.WaitAsync(s_wait);
            Assert.That(serverSide.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
            Assert.That(serverSide.InnerException, Is.InstanceOf<MessageTooLargeException>());
            Assert.That(received.Task.IsCompleted, Is.False, "nothing was delivered");
        }
        else
        {
            Assert.That((await received.Task.WaitAsync(s_wait)).Text, Is.EqualTo("x"));
        }
    }

    [Test]
    public async Task ClientThatNeverReads_SinkOverflowClosesIt_OthersUnaffected()
    {
        var overflowed = new TaskCompletionSource<ConnectionClosedException>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] chunk = new byte[64 * 1024];
        var options = new WebSocketServerOptions { SinkBufferLimit = 1024 * 1024, PingInterval = null, CloseTimeout = TimeSpan.FromSeconds(1) };
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws =>
        {
            _ = ws.Completion.ContinueWith(_ => overflowed.TrySetResult(ws.ClosedException!), TaskScheduler.Default);
            return ws.Path == "/firehose"
                ? Observable.Repeat(Message.FromBinary(chunk)).Take(10_000)
                : ws;
        }, options);

        using var deaf = new Socket(SocketType.Stream, ProtocolType.Tcp);
        deaf.ReceiveBufferSize = 4096;
        await deaf.ConnectAsync(server.EndPoint);
        await deaf.SendAsync(Encoding.ASCII.GetBytes(
            "GET /firehose HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));

        ConnectionClosedException closed = await overflowed.Task.WaitAsync(s_wait);
        await using WebSocketConnection other = await WebSocketClient.ConnectAsync(server.Uri);
        await other.SendAsync("fine");

        Assert.That(closed.Sent, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "send buffer overflow")));
        Assert.That(closed.InnerException, Is.InstanceOf<InvalidOperationException>());
        Assert.That(await other.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("fine"));
    }

    [Test]
    public async Task Crashes_HandlerException_ClientAbort_Reset_LeaveNoConnectionBehind()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            string first = await ws.ReceiveTextAsync(ct);
            if (first == "throw")
            {
                throw new InvalidOperationException("handler bug");
            }

            await ws.ReadAllAsync(ct).ToListAsync(ct);
        }, "127.0.0.1", 0);
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int leftCount = 0;
        using IDisposable watch = server.Left.Subscribe(_ =>
        {
            if (++leftCount == 3)
            {
                left.TrySetResult();
            }
        });

        WebSocketConnection thrower = await WebSocketClient.ConnectAsync(server.Uri);
        await thrower.SendAsync("throw");
        WebSocketConnection aborter = await WebSocketClient.ConnectAsync(server.Uri);
        await aborter.SendAsync("hello");
        aborter.Abort();
        using (var reset = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await reset.ConnectAsync(server.EndPoint);
            await reset.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
            byte[] head = new byte[512];
            await reset.ReceiveAsync(head);
            reset.Close(0); // RST right after the upgrade
        }

        await left.Task.WaitAsync(s_wait);
        await using WebSocketConnection afterwards = await WebSocketClient.ConnectAsync(server.Uri);
        await afterwards.SendAsync("ok");

        Assert.That(server.Connections, Has.Count.EqualTo(1), "only the last client is left");
        await thrower.DisposeAsync();
        await aborter.DisposeAsync();
    }

    private static async Task<string> ReadAllAsync(Socket socket)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer);
            }
            catch (SocketException)
            {
                break;
            }

            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString();
    }
}
