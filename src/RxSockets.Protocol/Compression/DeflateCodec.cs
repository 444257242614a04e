using System;
using System.Buffers;
using System.Diagnostics;

namespace RxSockets.Protocol;

/// <summary>
/// The per-connection permessage-deflate compressor and decompressor (RFC 7692 §7.2), owned by
/// one <see cref="ProtocolConnection"/>.
/// </summary>
/// <remarks>
/// <para>
/// Each zlib stream is created on first use, so a connection that only sends never pays for a
/// decompressor. When the agreement says a side resets its context after every message
/// (<c>*_no_context_takeover</c>), that side's stream is released at the end of each message, as
/// python websockets does: an idle connection then holds no zlib memory at all, at the price of
/// one zlib initialisation per message.
/// </para>
/// <para>Not thread-safe: the engine serializes calls.</para>
/// </remarks>
internal sealed class DeflateCodec : IDisposable
{
    /// <summary>The empty stored block a sync flush ends with; removed on send and appended on receive (§7.2.1, §7.2.2).</summary>
    internal static ReadOnlySpan<byte> Trailer => [0x00, 0x00, 0xff, 0xff];

    private readonly PerMessageDeflateOptions _options;

    /// <summary>Window of this endpoint's compressor: never above what the agreement allows this side.</summary>
    private readonly int _deflateWindowBits;

    /// <summary>
    /// Window of the decompressor: the peer's negotiated window, but at least 9, because zlib
    /// rounds a requested 8 up to 9 when compressing and some peers do the same.
    /// </summary>
    private readonly int _inflateWindowBits;

    /// <summary>Whether this endpoint must not carry compression context from one message to the next.</summary>
    private readonly bool _deflateNoContextTakeover;

    /// <summary>Whether the peer resets its context after every message, so ours can be released.</summary>
    private readonly bool _inflateNoContextTakeover;

    /// <summary>The compressor, or null until the first compressed message (and between messages without context takeover).</summary>
    private ZLibStreamHandle? _deflater;

    /// <summary>The decompressor, or null until the first compressed message (and between messages without context takeover).</summary>
    private ZLibStreamHandle? _inflater;

    public DeflateCodec(PerMessageDeflate agreement, ConnectionSide side)
    {
        _options = agreement.Options;
        bool server = side == ConnectionSide.Server;
        _deflateWindowBits = server ? agreement.ServerMaxWindowBits : agreement.ClientMaxWindowBits;
        _inflateWindowBits = Math.Max(PerMessageDeflateOptions.MinWindowBits, server ? agreement.ClientMaxWindowBits : agreement.ServerMaxWindowBits);
        _deflateNoContextTakeover = server ? agreement.ServerNoContextTakeover : agreement.ClientNoContextTakeover;
        _inflateNoContextTakeover = server ? agreement.ClientNoContextTakeover : agreement.ServerNoContextTakeover;
        Debug.Assert(_deflateWindowBits >= PerMessageDeflateOptions.MinWindowBits, $"{nameof(_deflateWindowBits)} 8 is declined during negotiation");
    }

    /// <summary>Messages below this many bytes are sent uncompressed.</summary>
    public int Threshold => _options.Threshold;

    /// <summary>
    /// Compresses one frame's payload with a sync flush. For the last frame of a message the
    /// trailing 00 00 ff ff is removed (§7.2.1), and without context takeover the compressor is
    /// released so the next message starts from an empty window.
    /// </summary>
    /// <param name="input">The uncompressed payload of this frame.</param>
    /// <param name="endOfMessage">Whether this is the message's last frame.</param>
    /// <param name="buffer">Receives a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.</param>
    /// <returns>The number of compressed bytes at the start of <paramref name="buffer"/>.</returns>
    public int Compress(ReadOnlySpan<byte> input, bool endOfMessage, out byte[] buffer)
    {
        _deflater ??= ZLibStreamHandle.CreateDeflater(_options.CompressionLevel, _deflateWindowBits, _options.MemoryLevel);

        // Deflate's worst case is about 5 bytes per 16 KiB stored block plus the flush's 5 to 10 bytes.
        buffer = ArrayPool<byte>.Shared.Rent(input.Length + (input.Length >> 10) + 64);
        int written = 0;
        while (true)
        {
            int rc = _deflater.Run(input, buffer.AsSpan(written), ZLibNative.SyncFlush, out int consumed, out int produced);
            input = input[consumed..];
            written += produced;

            // Z_BUF_ERROR only means "nothing to do": a second sync flush with no new input.
            if (rc is not (ZLibNative.Ok or ZLibNative.BufError))
            {
                throw new InvalidOperationException($"zlib deflate failed with {rc}.");
            }

            if (written < buffer.Length)
            {
                break; // room left over: zlib has flushed everything
            }

            byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }

        Debug.Assert(input.IsEmpty, "a flush consumes all input when there is output room");
        if (endOfMessage)
        {
            if (written == 0)
            {
                // zlib had nothing to flush (no input since the last sync flush, which left the stream
                // byte-aligned) and emits no new empty block. The message must still end in one, or
                // the 00 00 ff ff the receiver appends would be read as the start of a stored block
                // and swallow the next message: send the empty stored block's header byte, whose
                // length fields are exactly the four bytes removed (§7.2.1, §7.2.3.6).
                buffer[0] = 0x00;
                written = 1;
            }
            else
            {
                Debug.Assert(buffer.AsSpan(written - Trailer.Length, Trailer.Length).SequenceEqual(Trailer), "a sync flush ends with 00 00 ff ff");
                written -= Trailer.Length;
            }

            if (_deflateNoContextTakeover)
            {
                ReleaseDeflater();
            }
        }

        return written;
    }

    /// <summary>
    /// Inflates as much of <paramref name="input"/> as fits into <paramref name="output"/>.
    /// A deflate stream that ends (a BFINAL block, §7.2.3.4) is followed by a fresh one.
    /// </summary>
    /// <returns>
    /// <see cref="OperationStatus.Done"/> when all input was consumed and the output was not
    /// filled; <see cref="OperationStatus.DestinationTooSmall"/> when the output is full (more may
    /// come); <see cref="OperationStatus.InvalidData"/> when the input is not deflate data.
    /// </returns>
    public OperationStatus Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (true)
        {
            _inflater ??= ZLibStreamHandle.CreateInflater(_inflateWindowBits);
            int rc = _inflater.Run(input[consumed..], output[written..], ZLibNative.SyncFlush, out int used, out int produced);
            consumed += used;
            written += produced;
            switch (rc)
            {
                case ZLibNative.Ok or ZLibNative.BufError:
                    break;
                case ZLibNative.StreamEnd:
                    ReleaseInflater();
                    break;
                case ZLibNative.DataError:
                    ReleaseInflater();
                    return OperationStatus.InvalidData;
                default:
                    throw new InvalidOperationException($"zlib inflate failed with {rc}.");
            }

            if (written == output.Length)
            {
                return OperationStatus.DestinationTooSmall;
            }

            if (consumed == input.Length)
            {
                return OperationStatus.Done;
            }

            if (used == 0 && produced == 0 && rc != ZLibNative.StreamEnd)
            {
                return OperationStatus.InvalidData; // no progress with input and room: never loop forever
            }
        }
    }

    /// <summary>Ends an inflated message: without the peer's context takeover, the decompressor is released.</summary>
    public void EndInflatedMessage()
    {
        if (_inflateNoContextTakeover)
        {
            ReleaseInflater();
        }
    }

    /// <summary>Releases both zlib streams.</summary>
    public void Dispose()
    {
        ReleaseDeflater();
        ReleaseInflater();
    }

    private void ReleaseDeflater()
    {
        _deflater?.Dispose();
        _deflater = null;
    }

    private void ReleaseInflater()
    {
        _inflater?.Dispose();
        _inflater = null;
    }
}
