using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>
/// A WebSocket peer over a real TCP socket whose frames the test writes byte for byte: it does the
/// opening handshake by hand, then sends exactly the bytes it is given in one write (so the other
/// side reads them together) and parses what comes back with a bare engine.
/// </summary>
internal sealed partial class RawSocketPeer : IAsyncDisposable
{
    /// <summary>RFC 6455 §1.3's sample key.</summary>
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private readonly Socket _socket;
    private readonly ProtocolConnection _parser;
    private readonly List<byte> _unparsed = [];
    private readonly Queue<RawEvent> _events = new();

    /// <summary>Why the parser failed, if it did (<see cref="ReadEventAsync"/> reports it).</summary>
    private string? _failure;

    private RawSocketPeer(Socket socket, ConnectionSide side, byte[] leftover)
    {
        _socket = socket;
        Side = side;
        _parser = new ProtocolConnection(side);
        _unparsed.AddRange(leftover);
    }

    /// <summary>The role this peer plays: frames it sends are masked when it is the client.</summary>
    public ConnectionSide Side { get; }

    /// <summary>
    /// Connects to <paramref name="server"/> as a client and completes the handshake. The first
    /// bytes the server sends must be its 101 response (RFC 6455 §4.1: frames only after it).
    /// </summary>
    public static async Task<RawSocketPeer> ConnectAsync(EndPoint server, string? extensions = null, string path = "/")
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server).WaitAsync(LocalServer.Wait);
        string request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n" +
            (extensions is null ? string.Empty : $"Sec-WebSocket-Extensions: {extensions}\r\n") + "\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        (string head, byte[] leftover) = await ReadHeadAsync(socket);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            socket.Dispose();
            throw new InvalidOperationException(head.Contains("HTTP/1.1 101", StringComparison.Ordinal)
                ? $"{head.IndexOf("HTTP/1.1 101", StringComparison.Ordinal)} bytes came before the 101 response"
                : $"The server refused the handshake: {head}");
        }

        return new RawSocketPeer(socket, ConnectionSide.Client, leftover);
    }

    /// <summary>Accepts one client on <paramref name="listener"/> as a server and completes the handshake.</summary>
    public static async Task<RawSocketPeer> AcceptAsync(Socket listener)
    {
        Socket socket = await listener.AcceptAsync().WaitAsync(LocalServer.Wait);
        socket.NoDelay = true;
        (string head, byte[] leftover) = await ReadHeadAsync(socket);
        string key = KeyHeader().Match(head).Groups[1].Value.Trim();
        string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {WebSocketKey.ComputeAccept(key)}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(response));
        return new RawSocketPeer(socket, ConnectionSide.Server, leftover);
    }

    /// <summary>A listener on 127.0.0.1 and a free port, for <see cref="AcceptAsync"/>.</summary>
    public static Socket Listen()
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return listener;
    }

    /// <summary>A frame as this peer sends it (masked when it is the client), not validated.</summary>
    public byte[] Frame(Opcode opcode, ReadOnlySpan<byte> payload, bool fin = true, byte rsv = 0)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(writer, opcode, fin, payload, Side == ConnectionSide.Client ? 0x12345678 : null, rsv);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Sends <paramref name="parts"/> concatenated, in one write.</summary>
    public async Task SendAsync(params byte[][] parts)
    {
        var all = new List<byte>();
        foreach (byte[] part in parts)
        {
            all.AddRange(part);
        }

        await _socket.SendAsync(all.ToArray());
    }

    /// <summary>
    /// Sends <paramref name="frame"/> over and over without reading, until the kernel takes no more
    /// for a generous while (the other side stopped reading) or <paramref name="cap"/> bytes went out.
    /// </summary>
    /// <returns>The bytes sent.</returns>
    public async Task<long> FloodAsync(byte[] frame, long cap)
    {
        _socket.Blocking = false;
        long sent = 0;
        byte[] burst = new byte[frame.Length * 64];
        for (int i = 0; i < 64; i++)
        {
            frame.CopyTo(burst, i * frame.Length);
        }

        int offset = 0;
        while (sent < cap)
        {
            int n = _socket.Send(burst, offset, burst.Length - offset, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                // Full: wait for room, generously; none coming means the other side stopped reading.
                if (!await Task.Run(() => _socket.Poll(TimeSpan.FromSeconds(3), SelectMode.SelectWrite)))
                {
                    break;
                }

                continue;
            }

            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            sent += n;
            offset = (offset + n) % burst.Length;
        }

        _socket.Blocking = true;
        return sent;
    }

    /// <summary>Reads the next event (a message, a ping, a pong or a close); bytes that are not a valid frame fail the read.</summary>
    /// <exception cref="System.IO.EndOfStreamException">The other side closed first.</exception>
    /// <exception cref="InvalidOperationException">What came is not a valid frame.</exception>
    public async Task<RawEvent> ReadEventAsync()
    {
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            Parse();
            if (_failure is not null)
            {
                throw new InvalidOperationException($"Not a valid frame: {_failure}");
            }

            if (_events.Count > 0)
            {
                return _events.Dequeue();
            }

            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(LocalServer.Wait);
            if (read == 0)
            {
                throw new System.IO.EndOfStreamException("The other side closed its output.");
            }

            _unparsed.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Reads frames until the other side's close frame (returned last) or the end of the stream.</summary>
    public async Task<List<RawEvent>> ReadUntilCloseAsync()
    {
        var events = new List<RawEvent>();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            while (_events.Count > 0)
            {
                RawEvent e = _events.Dequeue();
                events.Add(e);
                if (e.Type == ProtocolEventType.Close)
                {
                    return events;
                }
            }

            Parse();
            if (_events.Count > 0)
            {
                continue;
            }

            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(LocalServer.Wait);
            if (read == 0)
            {
                return events;
            }

            _unparsed.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _parser.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Parse()
    {
        var data = new ReadOnlySequence<byte>(_unparsed.ToArray());
        while (true)
        {
            _parser.ReceiveData(data, out SequencePosition consumed, out _);
            data = data.Slice(consumed);
            bool any = false;
            while (_parser.TryReadEvent(out ProtocolEvent e))
            {
                any = true;
                if (e.Type != ProtocolEventType.Failed)
                {
                    _events.Enqueue(new RawEvent(e.Type, e.Payload.ToArray(), e.CloseStatus));
                }
                else
                {
                    _failure ??= e.ToString();
                }
            }

            if (!any)
            {
                break;
            }
        }

        byte[] rest = data.ToArray();
        _unparsed.Clear();
        _unparsed.AddRange(rest);
    }

    private static async Task<(string Head, byte[] Leftover)> ReadHeadAsync(Socket socket)
    {
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(LocalServer.Wait);
            if (read == 0)
            {
                throw new InvalidOperationException("The connection closed during the handshake.");
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
            byte[] all = received.ToArray();
            int end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(all, 0, end), all[(end + 4)..]);
            }
        }
    }

    [GeneratedRegex(@"Sec-WebSocket-Key:([^\r\n]*)", RegexOptions.IgnoreCase)]
    private static partial Regex KeyHeader();
}
