using System;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>What the server answers to bad, slow or oversized handshakes, seen from a raw TCP client.</summary>
[TestFixture]
[CancelAfter(60_000)]
[Description("RFC 6455 §4.2")]
public sealed class ServerHandshakeTests
{
    [Test]
    public async Task Handshake_Trickling_IsDroppedAtOpenTimeout()
    {
        var time = new RecordingTimeProvider();
        var openTimeout = TimeSpan.FromSeconds(10);
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, new WebSocketServerOptions { TimeProvider = time, OpenTimeout = openTimeout });
        using var slow = new TcpClient();
        await slow.ConnectAsync(server.EndPoint);
        NetworkStream stream = slow.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n"u8.ToArray());

        // The session counts as active before it creates its open-timeout timer: wait for the
        // timer itself, or the clock may move before it exists and it would never fire.
        await time.WhenTimersCreated(openTimeout, 1).WaitAsync(TimeSpan.FromSeconds(20));
        time.Advance(openTimeout);

        int read = await stream.ReadAsync(new byte[100]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(read, Is.Zero, "dropped without an answer");
    }

    [Test]
    public async Task Handshake_HeaderLineTooLong_Gets431()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0);

        string response = await SendRawAsync(server, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 9000) + "\r\n\r\n");

        Assert.That(response, Does.StartWith("HTTP/1.1 431 "));
    }

    [Test]
    public async Task Handshake_WrongVersion_Gets426WithSupportedVersion()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0);

        string response = await SendRawAsync(server,
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");

        Assert.That(response, Does.StartWith("HTTP/1.1 426 "));
        Assert.That(response, Does.Contain("Sec-WebSocket-Version: 13"));
    }

    [Test]
    public async Task Handshake_Valid_Gets101WithAccept()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, _) => ws.Completion, "127.0.0.1", 0);

        string response = await SendRawAsync(server,
            "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", untilHeadEnd: true);

        Assert.That(response, Does.StartWith("HTTP/1.1 101 "));
        Assert.That(response, Does.Contain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    [Test]
    public async Task Shutdown_HandshakeInProgress_Gets503()
    {
        var time = new RecordingTimeProvider();
        WebSocketServer server = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, new WebSocketServerOptions { TimeProvider = time });
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        await time.WhenTimersCreated(TimeSpan.FromSeconds(10), 1).WaitAsync(TimeSpan.FromSeconds(20)); // the handshake is under way

        Task stopping = server.StopAsync();
        var response = new StringBuilder();
        byte[] buffer = new byte[1024];
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20))) > 0)
        {
            response.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(response.ToString(), Does.StartWith("HTTP/1.1 503 "));
    }

    private static async Task<string> SendRawAsync(WebSocketServer server, string request, bool untilHeadEnd = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var received = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            if (n == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            if (untilHeadEnd && received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        return received.ToString();
    }
}
