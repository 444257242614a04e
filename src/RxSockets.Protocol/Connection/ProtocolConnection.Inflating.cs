using System;
using System.Buffers;
using System.Diagnostics;

namespace RxSockets.Protocol;

/// <summary>The receiving half's permessage-deflate step (RFC 7692): compressed payloads inflated into the message, within the limits.</summary>
public sealed partial class ProtocolConnection
{
    /// <summary>Whether the message being reassembled is compressed (RSV1 on its first frame, RFC 7692 §6); its payload is inflated into <see cref="_messageBuffer"/>.</summary>
    private bool _messageCompressed;

    /// <summary>Whether any compressed payload byte arrived for the message being reassembled.</summary>
    private bool _messageHasCompressedBytes;

    /// <summary>Pooled scratch where masked compressed bytes are unmasked before inflating (never the pipe's memory); rented on first use.</summary>
    private byte[]? _inflateInput;

    /// <summary>Bytes of compressed input unmasked and inflated at a time.</summary>
    private const int InflateInputSize = 16 * 1024;

    /// <summary>
    /// The largest compressed frame accepted when <see cref="ProtocolLimits.MaxFrameSize"/> is
    /// <paramref name="limit"/>: the limit plus deflate's worst-case growth of that many bytes,
    /// zlib's <c>deflateBound</c> for fixed-Huffman blocks (about 1/8 and a few bytes), so any
    /// compressor's output of a message within the limit is accepted.
    /// </summary>
    /// <param name="limit">The frame limit.</param>
    /// <returns>The limit for a compressed frame.</returns>
    public static long CompressedFrameLimit(long limit) => limit + (limit >> 3) + (limit >> 8) + (limit >> 9) + 16;

    /// <summary>Unmasks compressed payload bytes in a pooled scratch buffer (masked input) and inflates them.</summary>
    /// <returns><see langword="false"/> when the bytes failed the connection.</returns>
    private bool InflatePayload(ReadOnlySpan<byte> source)
    {
        if (!_frame.IsMasked)
        {
            return Inflate(source);
        }

        _inflateInput ??= ArrayPool<byte>.Shared.Rent(InflateInputSize);
        while (!source.IsEmpty)
        {
            int count = Math.Min(source.Length, _inflateInput.Length);
            Span<byte> chunk = _inflateInput.AsSpan(0, count);
            source[..count].CopyTo(chunk);
            _frameMaskOffset = Masking.Apply(chunk, _frame.MaskKey, _frameMaskOffset);
            if (!Inflate(chunk))
            {
                return false;
            }

            source = source[count..];
        }

        return true;
    }

    /// <summary>
    /// Inflates compressed bytes into the reassembly buffer, growing it by doubling up to the
    /// message limit, and fails with 1009 at the first byte past the limit: a small frame that
    /// would inflate to gigabytes costs at most the limit in memory and the work to reach it
    /// (RFC 7692 §8.1 decompression bombs). Text is validated as it is inflated.
    /// </summary>
    /// <returns><see langword="false"/> when the bytes failed the connection.</returns>
    private bool Inflate(ReadOnlySpan<byte> input)
    {
        Debug.Assert(_deflate is not null, $"{nameof(_messageCompressed)} is only set when compression was negotiated");
        long limit = MaxMessageLength;
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            int capacity = _messageBuffer?.Length ?? 0;
            int end = (int)Math.Min(capacity, limit);
            scoped Span<byte> output;
            if (_messageLength < end)
            {
                output = _messageBuffer.AsSpan(_messageLength, end - _messageLength);
            }
            else if (_messageLength < limit)
            {
                EnsureMessageCapacity((int)Math.Min(limit, Math.Max(4096L, capacity * 2L)));
                continue;
            }
            else
            {
                output = probe; // at the limit: one more inflated byte means the message is too big
            }

            OperationStatus status = _deflate!.Inflate(input, output, out int consumed, out int written);
            input = input[consumed..];
            if (status == OperationStatus.InvalidData)
            {
                return Reject(ProtocolError.InvalidCompressedData);
            }

            if (written > 0)
            {
                if (output == probe)
                {
                    return Reject(ProtocolError.MessageTooBig);
                }

                Span<byte> inflated = output[..written];
                _messageLength += written;

                // §8.1 (RFC 6455) on the inflated text: fail at the first impossible byte.
                if (_messageOpcode == Opcode.Text && !_utf8.TryAppend(inflated))
                {
                    return Reject(ProtocolError.InvalidUtf8);
                }
            }

            if (status == OperationStatus.Done)
            {
                return true;
            }
        }
    }

    private void ReturnInflateInput()
    {
        if (_inflateInput is not null)
        {
            ArrayPool<byte>.Shared.Return(_inflateInput);
            _inflateInput = null;
        }
    }
}
