using System;
using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// A raw-socket feed client that subscribes and then stops reading, with a 4 KiB receive buffer so
/// that the server's send buffer fills after little data: a browser tab that froze. It can later
/// read what was sent to it, parsed by the sans-I/O engine, up to the close frame.
/// </summary>
internal sealed class StalledClient : IDisposable
{
    private readonly Socket _socket;
    private readonly ProtocolConnection _engine = new(ConnectionSide.Client);

    private StalledClient(Socket socket) => _socket = socket;

    public static async Task<StalledClient> ConnectAndSubscribeAsync(Uri server, string topic, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        var client = new StalledClient(socket);
        try
        {
            await socket.ConnectAsync("127.0.0.1", server.Port, cancellationToken);
            string key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            string request = $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            await client.ReadHeadAsync(cancellationToken);
            var frame = new ArrayBufferWriter<byte>();
            client._engine.SendText($$"""{"type":"subscribe","topic":"{{topic}}"}""".AsSpan(), frame);
            await socket.SendAsync(frame.WrittenMemory, cancellationToken);
            await client.ReadSubscribedAsync(cancellationToken); // the topic's source is subscribed by then
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Reads everything sent after <c>subscribed</c>, until the server's close frame; returns its status and the sequence numbers of the data messages before it.</summary>
    public async Task<(CloseStatus Status, System.Collections.Generic.List<long> Seqs)> ReadUntilCloseAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        byte[] pending = [];
        var seqs = new System.Collections.Generic.List<long>();
        while (true)
        {
            int read = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new InvalidOperationException($"the server closed TCP without a close frame, after {seqs.Count} messages");
            }

            byte[] data = [.. pending, .. buffer.AsSpan(0, read)];
            var sequence = new ReadOnlySequence<byte>(data);
            while (true)
            {
                _engine.ReceiveData(sequence, out SequencePosition consumed, out _);
                sequence = sequence.Slice(consumed);
                bool any = false;
                while (_engine.TryReadEvent(out ProtocolEvent e))
                {
                    any = true;
                    switch (e.Type)
                    {
                        case ProtocolEventType.TextMessage:
                            seqs.Add(Envelope.Parse(Encoding.UTF8.GetString(e.Payload.Span)).Seq);
                            break;
                        case ProtocolEventType.Close:
                            return (e.CloseStatus, seqs);
                    }
                }

                if (!any)
                {
                    break;
                }
            }

            pending = sequence.ToArray();
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Reads the first frame, which must be the <c>subscribed</c> envelope, and nothing after it.</summary>
    private async Task ReadSubscribedAsync(CancellationToken cancellationToken)
    {
        byte[] header = new byte[2];
        await ReadExactlyAsync(header, cancellationToken);
        if ((header[0] & 0x0F) != 1 || header[1] >= 126)
        {
            throw new InvalidOperationException("expected a short text frame first");
        }

        byte[] payload = new byte[header[1]];
        await ReadExactlyAsync(payload, cancellationToken);
        if (!Encoding.UTF8.GetString(payload).StartsWith("{\"type\":\"subscribed\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected subscribed, got {Encoding.UTF8.GetString(payload)}");
        }
    }

    private async Task ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(read), cancellationToken);
            read += n > 0 ? n : throw new InvalidOperationException("the server closed");
        }
    }

    private async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await _socket.ReceiveAsync(one, cancellationToken) == 0)
            {
                throw new InvalidOperationException("the server closed during the handshake");
            }

            head.Append((char)one[0]);
        }

        if (!head.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"handshake refused: {head}");
        }
    }
}
