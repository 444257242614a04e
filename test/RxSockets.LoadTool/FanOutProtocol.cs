using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RxSockets.LoadTool;

/// <summary>The servers a fan-out run can drive, and how each one is spoken to.</summary>
public enum FanOutServer
{
    /// <summary>RxSockets' <c>WebSocketServer.Broadcast</c>: the publisher's text as is.</summary>
    RxSockets,

    /// <summary>An RxSockets feed topic: the text inside <c>{"type":"data",…,"data":"…"}</c>.</summary>
    Topic,

    /// <summary>SignalR's JSON protocol: <c>{"type":1,"target":"m","arguments":["…"]}</c> + 0x1E.</summary>
    SignalR,

    /// <summary>The naive ASP.NET Core loop: the publisher's text as is.</summary>
    Naive,
}

/// <summary>
/// The bytes of a fan-out run: the publisher's payload (a monotonic timestamp and a sequence
/// number in fixed-width ASCII, padded to the size), client frames (masked), and the parsing of
/// what a subscriber receives, whatever the server wrapped the payload in.
/// </summary>
public static class FanOutProtocol
{
    /// <summary>The marker before the 20-digit timestamp (<see cref="Stopwatch.GetTimestamp"/> of the driver).</summary>
    public static ReadOnlySpan<byte> TimestampMarker => "ts:"u8;

    private const int TimestampDigits = 20;
    private const int SeqDigits = 10;

    /// <summary>"ts:" + 20 digits + " sq:" + 10 digits + " ": the fixed part of a payload.</summary>
    public const int FixedLength = 3 + TimestampDigits + 4 + SeqDigits + 1;

    /// <summary>The SignalR handshake request (JSON protocol, version 1).</summary>
    public static readonly byte[] SignalRHandshake = Encoding.ASCII.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");

    /// <summary>A SignalR ping (clients must send something at least every 30 s).</summary>
    public static readonly byte[] SignalRPing = Encoding.ASCII.GetBytes("{\"type\":6}\u001e");

    /// <summary>The path subscribers connect to.</summary>
    public static string SubscriberPath(FanOutServer server) => server == FanOutServer.SignalR ? "/hub?role=sub" : "/sub";

    /// <summary>The path the publisher connects to.</summary>
    public static string PublisherPath(FanOutServer server) => server == FanOutServer.SignalR ? "/hub" : "/pub";

    /// <summary>The publisher's message for <paramref name="seq"/> now: the payload, wrapped in a SignalR invocation for SignalR.</summary>
    public static byte[] Message(FanOutServer server, long seq, int size)
    {
        string payload = string.Create(CultureInfo.InvariantCulture, $"ts:{Stopwatch.GetTimestamp():D20} sq:{seq:D10} ");
        payload += new string('p', Math.Max(0, size - payload.Length));
        return Encoding.ASCII.GetBytes(server == FanOutServer.SignalR
            ? $"{{\"type\":1,\"target\":\"Publish\",\"arguments\":[\"{payload}\"]}}\u001e"
            : payload);
    }

    /// <summary>A masked client frame (FIN, <paramref name="opcode"/>).</summary>
    public static byte[] ClientFrame(byte opcode, ReadOnlySpan<byte> payload, uint mask)
    {
        int lengthBytes = payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        byte[] frame = new byte[2 + lengthBytes + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        switch (lengthBytes)
        {
            case 0:
                frame[1] = (byte)(0x80 | payload.Length);
                break;
            case 2:
                frame[1] = 0x80 | 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = 0x80 | 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }

        int maskAt = 2 + lengthBytes;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(maskAt), mask);
        Span<byte> key = frame.AsSpan(maskAt, 4);
        Span<byte> body = frame.AsSpan(maskAt + 4);
        for (int i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ key[i & 3]);
        }

        return frame;
    }

    /// <summary>Finds the next payload in <paramref name="data"/> from <paramref name="from"/>: its timestamp and sequence number, and where to look next.</summary>
    public static bool TryReadPayload(ReadOnlySpan<byte> data, ref int from, out long timestamp, out long seq)
    {
        timestamp = seq = 0;
        int at = data[from..].IndexOf(TimestampMarker);
        if (at < 0 || from + at + FixedLength > data.Length)
        {
            from = data.Length;
            return false;
        }

        int start = from + at + 3;
        timestamp = Digits(data.Slice(start, TimestampDigits));
        seq = Digits(data.Slice(start + TimestampDigits + 4, SeqDigits));
        from = start + TimestampDigits + 4 + SeqDigits;
        return timestamp >= 0 && seq >= 0;
    }

    private static long Digits(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + (b - '0');
        }

        return value;
    }
}
