using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.AspNetCore.Tests;

/// <summary>
/// Under ASP.NET Core, Kestrel writes the 101 (in <c>UpgradeAsync</c>) before the endpoint creates
/// the connection, so nothing can reach a connection before its 101: a handler that sends at once,
/// and handlers broadcasting to each other while others upgrade, put every frame after each
/// client's 101 — checked byte for byte by raw socket clients (#15).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class HandshakeOrderTests
{
    [Test]
    public async Task Handler_SendsAtOnce_TheFrameFollowsThe101()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/ws", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            await ws.SendAsync("first", ct);
            await ws.Completion.WaitAsync(ct);
        }));

        using RawClient client = await RawClient.ConnectAsync(app.EndPoint, "/ws");

        Assert.That(await client.ReadTextAsync(), Is.EqualTo("first"));
    }

    [Test]
    public async Task Broadcast_FromHandlersWhileManyClientsUpgrade_EveryClientGetsIts101First()
    {
        const int Clients = 30;
        var open = new ConcurrentDictionary<WebSocketConnection, byte>();
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/room", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            open.TryAdd(ws, 0);
            try
            {
                WebSocketServer.Broadcast("joined", open.Keys); // reaches every connection the endpoint made, including this one
                await ws.Completion.WaitAsync(ct);
            }
            finally
            {
                open.TryRemove(ws, out _);
            }
        }));

        RawClient[] clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => RawClient.ConnectAsync(app.EndPoint, "/room"))).WaitAsync(KestrelApp.Wait);
        try
        {
            foreach (RawClient client in clients)
            {
                Assert.That(await client.ReadTextAsync(), Is.EqualTo("joined"));
            }
        }
        finally
        {
            foreach (RawClient client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>A client over a raw socket: the handshake written by hand, the 101 checked to come first, frames parsed by a bare engine.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly Socket _socket;
        private readonly List<byte> _unparsed = [];

        private RawClient(Socket socket, byte[] leftover)
        {
            _socket = socket;
            _unparsed.AddRange(leftover);
        }

        public static async Task<RawClient> ConnectAsync(IPEndPoint server, string path)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server).WaitAsync(KestrelApp.Wait);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp.Handshake(path)));
            var received = new List<byte>();
            byte[] buffer = new byte[4096];
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer).WaitAsync(KestrelApp.Wait);
                Assert.That(n, Is.Positive, "the server closed during the handshake");
                received.AddRange(buffer.AsSpan(0, n));
                byte[] all = received.ToArray();
                int checkable = Math.Min(all.Length, "HTTP/1.1 101 ".Length);
                Assert.That(Encoding.Latin1.GetString(all, 0, checkable), Is.EqualTo("HTTP/1.1 101 "[..checkable]), "the 101 response comes first");
                int end = all.AsSpan().IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    return new RawClient(socket, all[(end + 4)..]);
                }
            }
        }

        /// <summary>Reads the next frame, which must be a valid text message.</summary>
        public async Task<string> ReadTextAsync()
        {
            byte[] buffer = new byte[4096];
            while (true)
            {
                using var parser = new ProtocolConnection(ConnectionSide.Client); // from the start each time more bytes came
                var data = new ReadOnlySequence<byte>(_unparsed.ToArray());
                parser.ReceiveData(data, out SequencePosition consumed, out _);
                if (parser.TryReadEvent(out ProtocolEvent e))
                {
                    Assert.That(e.Type, Is.EqualTo(ProtocolEventType.TextMessage), e.ToString());
                    string text = Encoding.UTF8.GetString(e.Payload.Span);
                    _unparsed.RemoveRange(0, (int)data.Slice(0, consumed).Length);
                    return text;
                }

                int n = await _socket.ReceiveAsync(buffer).WaitAsync(KestrelApp.Wait);
                Assert.That(n, Is.Positive, "the server closed before a frame came");
                _unparsed.AddRange(buffer.AsSpan(0, n));
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
