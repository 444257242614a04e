using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RxSockets.Protocol;

/// <summary>
/// The header of one WebSocket frame (RFC 6455 §5.2), as read by <see cref="FrameReader"/> or
/// written by <see cref="FrameWriter"/>.
/// </summary>
/// <remarks>
/// A value type with no validation: reading a header only decodes bits. Whether the header is
/// acceptable (reserved opcode, masking, lengths) is decided by <see cref="ProtocolConnection"/>.
/// Immutable and thread-safe.
/// </remarks>
public readonly struct FrameHeader
{
    /// <summary>The largest header: 2 bytes, 8 bytes of extended length and a 4-byte mask key.</summary>
    public const int MaxSize = 14;

    /// <summary>The largest payload a control frame may carry (RFC 6455 §5.5).</summary>
    public const int MaxControlPayload = 125;

    /// <summary>Creates a header.</summary>
    /// <param name="opcode">The opcode (reserved values are representable so they can be rejected).</param>
    /// <param name="fin">Whether this is the final fragment of a message.</param>
    /// <param name="payloadLength">The payload length; must not be negative.</param>
    /// <param name="isMasked">Whether a mask key follows the length.</param>
    /// <param name="maskKey">The mask key, in wire byte order as it sits in memory (see <see cref="Masking"/>).</param>
    /// <param name="rsv">The three reserved bits as the low bits of a byte: RSV1 = 4, RSV2 = 2, RSV3 = 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="payloadLength"/> is negative or <paramref name="rsv"/> is above 7.</exception>
    public FrameHeader(Opcode opcode, bool fin, long payloadLength, bool isMasked = false, int maskKey = 0, byte rsv = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rsv, (byte)7);
        Opcode = opcode;
        Fin = fin;
        PayloadLength = payloadLength;
        IsMasked = isMasked;
        MaskKey = maskKey;
        Rsv = rsv;
    }

    /// <summary>The opcode, possibly a reserved one.</summary>
    public Opcode Opcode { get; }

    /// <summary>Whether this frame is the final fragment of its message (FIN bit).</summary>
    public bool Fin { get; }

    /// <summary>The reserved bits as the low bits of a byte: RSV1 = 4, RSV2 = 2, RSV3 = 1.</summary>
    public byte Rsv { get; }

    /// <summary>Whether RSV1 is set (used by permessage-deflate, RFC 7692).</summary>
    public bool Rsv1 => (Rsv & 4) != 0;

    /// <summary>Whether a mask key is present (MASK bit).</summary>
    public bool IsMasked { get; }

    /// <summary>The mask key in wire byte order as it sits in memory; 0 when <see cref="IsMasked"/> is false.</summary>
    public int MaskKey { get; }

    /// <summary>The payload length in bytes.</summary>
    public long PayloadLength { get; }

    /// <summary>Whether the opcode is a control opcode (close, ping, pong or reserved 0xB–0xF).</summary>
    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>The number of bytes this header takes on the wire.</summary>
    public int Size => SizeOf(PayloadLength, IsMasked);

    /// <summary>The number of header bytes for a payload length and masking.</summary>
    /// <param name="payloadLength">The payload length.</param>
    /// <param name="isMasked">Whether a mask key is written.</param>
    /// <returns>2 to 14.</returns>
    public static int SizeOf(long payloadLength, bool isMasked) =>
        (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (isMasked ? 4 : 0);

    /// <summary>Writes this header into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int WriteTo(Span<byte> destination)
    {
        int size = Size;
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs {size} bytes.", nameof(destination));
        }

        destination[0] = (byte)((Fin ? 0x80 : 0) | (Rsv << 4) | ((byte)Opcode & 0x0F));
        byte mask = IsMasked ? (byte)0x80 : (byte)0;
        int offset;
        if (PayloadLength < 126)
        {
            destination[1] = (byte)(mask | (byte)PayloadLength);
            offset = 2;
        }
        else if (PayloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(mask | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)PayloadLength);
            offset = 4;
        }
        else
        {
            destination[1] = (byte)(mask | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)PayloadLength);
            offset = 10;
        }

        if (IsMasked)
        {
            int key = MaskKey;
            MemoryMarshal.Write(destination[offset..], in key);
            offset += 4;
        }

        Debug.Assert(offset == size, $"{nameof(offset)} {offset} != {nameof(size)} {size}");
        return offset;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Opcode} fin={Fin} rsv={Rsv} masked={IsMasked} len={PayloadLength}";
}
