using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RxSockets.Protocol;

/// <summary>
/// Decodes frame headers (RFC 6455 §5.2) from input that may arrive in any chunking.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// |     Extended payload length continued, if payload len == 127  |
/// + - - - - - - - - - - - - - - - +-------------------------------+
/// |                               |Masking-key, if MASK set to 1  |
/// +-------------------------------+-------------------------------+
/// | Masking-key (continued)       |          Payload Data         |
/// +-------------------------------- - - - - - - - - - - - - - - - +
/// </code>
/// Only the header is decoded here; <see cref="ProtocolConnection"/> streams the payload so that
/// no frame has to be buffered whole. Stateless and thread-safe.
/// </remarks>
public static class FrameReader
{
    /// <summary>Tries to decode a frame header at the start of <paramref name="input"/>.</summary>
    /// <param name="input">Bytes received; the header must start at the first byte.</param>
    /// <param name="header">The decoded header when the result is <see cref="FrameReadResult.Complete"/>.</param>
    /// <param name="headerSize">The number of header bytes when the result is <see cref="FrameReadResult.Complete"/>.</param>
    /// <returns>
    /// <see cref="FrameReadResult.Complete"/>, <see cref="FrameReadResult.NeedMoreData"/> when the
    /// header is not all there yet, or <see cref="FrameReadResult.InvalidPayloadLength"/> when a
    /// 64-bit length has its most significant bit set (RFC 6455 §5.2).
    /// </returns>
    public static FrameReadResult TryReadHeader(in ReadOnlySequence<byte> input, out FrameHeader header, out int headerSize)
    {
        if (input.FirstSpan.Length >= FrameHeader.MaxSize)
        {
            return TryReadHeader(input.FirstSpan, out header, out headerSize);
        }

        Span<byte> buffer = stackalloc byte[FrameHeader.MaxSize];
        int available = (int)Math.Min(input.Length, FrameHeader.MaxSize);
        input.Slice(0, available).CopyTo(buffer);
        return TryReadHeader(buffer[..available], out header, out headerSize);
    }

    /// <summary>Tries to decode a frame header at the start of <paramref name="input"/>.</summary>
    /// <param name="input">Bytes received; the header must start at the first byte.</param>
    /// <param name="header">The decoded header when the result is <see cref="FrameReadResult.Complete"/>.</param>
    /// <param name="headerSize">The number of header bytes when the result is <see cref="FrameReadResult.Complete"/>.</param>
    /// <returns>See <see cref="TryReadHeader(in ReadOnlySequence{byte}, out FrameHeader, out int)"/>.</returns>
    public static FrameReadResult TryReadHeader(ReadOnlySpan<byte> input, out FrameHeader header, out int headerSize)
    {
        header = default;
        headerSize = 0;
        if (input.Length < 2)
        {
            return FrameReadResult.NeedMoreData;
        }

        byte b0 = input[0];
        byte b1 = input[1];
        bool masked = (b1 & 0x80) != 0;
        int length7 = b1 & 0x7F;
        int size = (length7 < 126 ? 2 : length7 == 126 ? 4 : 10) + (masked ? 4 : 0);
        if (input.Length < size)
        {
            return FrameReadResult.NeedMoreData;
        }

        long length;
        int offset;
        if (length7 < 126)
        {
            length = length7;
            offset = 2;
        }
        else if (length7 == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
            offset = 4;
        }
        else
        {
            // RFC 6455 §5.2: "the most significant bit MUST be 0".
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(input[2..]);
            if (length64 > long.MaxValue)
            {
                return FrameReadResult.InvalidPayloadLength;
            }

            length = (long)length64;
            offset = 10;
        }

        int maskKey = masked ? MemoryMarshal.Read<int>(input[offset..]) : 0;
        header = new FrameHeader((Opcode)(b0 & 0x0F), (b0 & 0x80) != 0, length, masked, maskKey, (byte)((b0 >> 4) & 0x7));
        headerSize = size;
        return FrameReadResult.Complete;
    }
}
