using System;
using System.Buffers;
using System.Text.Unicode;

namespace RxSockets.Protocol;

/// <summary>
/// A complete data frame, unmasked and uncompressed, built once and written unchanged by any number
/// of server-side engines (<see cref="ProtocolConnection.SendPrepared"/>): the frame a broadcast or a
/// topic sends to every subscriber, serialised and framed once instead of once per connection
/// (uWebSockets' and python websockets' broadcast do the same).
/// </summary>
/// <remarks>
/// Server frames are not masked (RFC 6455 §5.1), so the same bytes are valid on every server
/// connection. The frame has RSV1 clear, so it is also valid on a connection that negotiated
/// permessage-deflate: RFC 7692 §6 lets each message choose, and this one is sent uncompressed.
/// A client must mask each frame with a fresh key, so a client-side engine cannot send it.
/// Immutable and thread-safe.
/// </remarks>
public sealed class PreparedFrame
{
    private readonly byte[] _bytes;

    private PreparedFrame(byte[] bytes, Opcode opcode, int payloadLength)
    {
        _bytes = bytes;
        Opcode = opcode;
        PayloadLength = payloadLength;
    }

    /// <summary><see cref="Opcode.Text"/> or <see cref="Opcode.Binary"/>.</summary>
    public Opcode Opcode { get; }

    /// <summary>The payload's length in bytes.</summary>
    public int PayloadLength { get; }

    /// <summary>The whole frame: header and payload, as it goes on the wire.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Frames a text message.</summary>
    /// <param name="text">The text; must be well-formed UTF-16.</param>
    /// <returns>The frame.</returns>
    /// <exception cref="ArgumentException"><paramref name="text"/> contains a lone surrogate.</exception>
    public static PreparedFrame Text(ReadOnlySpan<char> text)
    {
        var writer = new ArrayBufferWriter<byte>(FrameHeader.MaxSize + (text.Length * 3));
        FrameWriter.WriteTextFrame(writer, Opcode.Text, fin: true, text, maskKey: null);
        return new PreparedFrame(writer.WrittenSpan.ToArray(), Opcode.Text, writer.WrittenCount - HeaderSize(writer.WrittenSpan));
    }

    /// <summary>Frames a text message given as UTF-8.</summary>
    /// <param name="utf8">The text as UTF-8.</param>
    /// <returns>The frame.</returns>
    /// <exception cref="ArgumentException"><paramref name="utf8"/> is not valid UTF-8.</exception>
    public static PreparedFrame Text(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            throw new ArgumentException("The text message is not valid UTF-8.", nameof(utf8));
        }

        return Create(Opcode.Text, utf8);
    }

    /// <summary>Frames a binary message.</summary>
    /// <param name="data">The payload.</param>
    /// <returns>The frame.</returns>
    public static PreparedFrame Binary(ReadOnlySpan<byte> data) => Create(Opcode.Binary, data);

    private static PreparedFrame Create(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        var writer = new ArrayBufferWriter<byte>(FrameHeader.MaxSize + payload.Length);
        FrameWriter.WriteFrame(writer, opcode, fin: true, payload, maskKey: null);
        return new PreparedFrame(writer.WrittenSpan.ToArray(), opcode, payload.Length);
    }

    /// <summary>The size of the unmasked header at the start of <paramref name="frame"/> (RFC 6455 §5.2).</summary>
    private static int HeaderSize(ReadOnlySpan<byte> frame) => (frame[1] & 0x7F) switch
    {
        126 => 4,
        127 => 10,
        _ => 2,
    };
}
