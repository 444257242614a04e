using System;
using System.Buffers;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// Writes whole frames (header and payload) into an <see cref="IBufferWriter{T}"/>, masking the
/// payload in the destination buffer, never in the caller's memory (STYLE S8).
/// </summary>
/// <remarks>
/// Payloads are copied in chunks of whatever size the writer offers, so a 1 MiB frame does not make
/// a <c>PipeWriter</c> allocate a 1 MiB segment. Stateless and thread-safe; the writer is not.
/// </remarks>
public static class FrameWriter
{
    /// <summary>Strict UTF-8: a lone surrogate in outgoing text throws instead of becoming U+FFFD.</summary>
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes a frame whose payload is <paramref name="payload"/>.</summary>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="opcode">The opcode.</param>
    /// <param name="fin">Whether this frame ends its message.</param>
    /// <param name="payload">The payload, left untouched.</param>
    /// <param name="maskKey">The mask key, or <see langword="null"/> to send unmasked (server side).</param>
    /// <param name="rsv">The reserved bits (RSV1 = 4), set only by negotiated extensions.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public static long WriteFrame(IBufferWriter<byte> output, Opcode opcode, bool fin, ReadOnlySpan<byte> payload, int? maskKey, byte rsv = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        int headerSize = WriteHeader(output, new FrameHeader(opcode, fin, payload.Length, maskKey.HasValue, maskKey ?? 0, rsv));
        long total = headerSize + (long)payload.Length;
        int maskOffset = 0;
        while (!payload.IsEmpty)
        {
            Span<byte> span = output.GetSpan();
            int count = Math.Min(span.Length, payload.Length);
            payload[..count].CopyTo(span);
            if (maskKey is int key)
            {
                maskOffset = Masking.Apply(span[..count], key, maskOffset);
            }

            output.Advance(count);
            payload = payload[count..];
        }

        return total;
    }

    /// <summary>
    /// Writes only the header of an unmasked frame; the caller sends the <paramref name="payloadLength"/>
    /// payload bytes itself, unchanged, right after it (zero-copy sends of large server payloads).
    /// </summary>
    /// <param name="output">Where the header goes.</param>
    /// <param name="opcode">The opcode.</param>
    /// <param name="fin">Whether this frame ends its message.</param>
    /// <param name="payloadLength">The payload's length.</param>
    /// <returns>The number of bytes written (2 to 10).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="payloadLength"/> is negative.</exception>
    public static int WriteUnmaskedHeader(IBufferWriter<byte> output, Opcode opcode, bool fin, long payloadLength)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return WriteHeader(output, new FrameHeader(opcode, fin, payloadLength));
    }

    /// <summary>Writes a frame whose payload is <paramref name="text"/> encoded as UTF-8, without an intermediate buffer.</summary>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="opcode">The opcode (normally <see cref="Opcode.Text"/> or <see cref="Opcode.Continuation"/>).</param>
    /// <param name="fin">Whether this frame ends its message.</param>
    /// <param name="text">The text; must be well-formed UTF-16 (no lone surrogates).</param>
    /// <param name="maskKey">The mask key, or <see langword="null"/> to send unmasked (server side).</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> contains a lone surrogate.</exception>
    public static long WriteTextFrame(IBufferWriter<byte> output, Opcode opcode, bool fin, ReadOnlySpan<char> text, int? maskKey)
    {
        ArgumentNullException.ThrowIfNull(output);
        int byteCount = s_strictUtf8.GetByteCount(text); // throws on lone surrogates, before anything is written
        int headerSize = WriteHeader(output, new FrameHeader(opcode, fin, byteCount, maskKey.HasValue, maskKey ?? 0));
        if (byteCount == 0)
        {
            return headerSize;
        }

        Span<byte> whole = output.GetSpan();
        if (whole.Length >= byteCount)
        {
            int written = s_strictUtf8.GetBytes(text, whole);
            if (maskKey is int key)
            {
                Masking.Apply(whole[..written], key, 0);
            }

            output.Advance(written);
            return headerSize + written;
        }

        // Larger than one span: encode chunk by chunk; the encoder carries surrogate pairs across chunks.
        Encoder encoder = s_strictUtf8.GetEncoder();
        int maskOffset = 0;
        bool completed = false;
        while (!completed)
        {
            Span<byte> span = output.GetSpan(4);
            encoder.Convert(text, span, flush: true, out int charsUsed, out int bytesUsed, out completed);
            if (maskKey is int key)
            {
                maskOffset = Masking.Apply(span[..bytesUsed], key, maskOffset);
            }

            output.Advance(bytesUsed);
            text = text[charsUsed..];
        }

        return headerSize + (long)byteCount;
    }

    private static int WriteHeader(IBufferWriter<byte> output, in FrameHeader header)
    {
        Span<byte> span = output.GetSpan(FrameHeader.MaxSize);
        int size = header.WriteTo(span);
        output.Advance(size);
        return size;
    }
}
