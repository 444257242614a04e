using System;

namespace RxSockets;

/// <summary>
/// What this endpoint asks for and allows in permessage-deflate (RFC 7692), and how it
/// compresses. The same object serves a client (it shapes the offer) and a server (it shapes the
/// answer to an offer); parameter names are the RFC's, so "server" always means the server's
/// compressor and "client" the client's.
/// </summary>
/// <remarks>
/// <para>
/// The defaults are the RFC's (15-bit windows, context takeover both ways), so the client offer is
/// the one browsers send, <c>permessage-deflate; client_max_window_bits</c>, and a server accepts
/// every common offer. They cost about 300 KiB of native memory per connection that compresses and
/// decompresses (docs/architecture.md has the table); <c>ServerMaxWindowBits = 12</c>,
/// <c>ClientMaxWindowBits = 12</c>, <c>MemoryLevel = 5</c> (python websockets' server default)
/// brings that to about 60 KiB, and no context takeover to nearly nothing between messages.
/// </para>
/// <para>
/// Window bits are 9–15: zlib cannot compress with an 8-bit window, so 8 is never offered or
/// answered, and an offer that demands it from our compressor is declined (RFC 7692 §7.1.2.1).
/// </para>
/// <para>Immutable once built, so one instance may serve every connection.</para>
/// </remarks>
public sealed class PerMessageDeflateOptions
{
    /// <summary>The smallest supported LZ77 window (512 bytes).</summary>
    public const int MinWindowBits = 9;

    /// <summary>The largest LZ77 window (32 KiB), the RFC 7692 default.</summary>
    public const int MaxWindowBits = 15;

    private readonly int _serverMaxWindowBits = MaxWindowBits;
    private readonly int _clientMaxWindowBits = MaxWindowBits;
    private readonly int _compressionLevel = 6;
    private readonly int _memoryLevel = 8;
    private readonly int _threshold = 1024;

    /// <summary>
    /// <c>server_max_window_bits</c>, 9–15, default 15. A server compresses with at most this
    /// window and says so in its answer when below 15. A client below 15 asks the server for it
    /// (the server must agree or decline compression).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not 9–15.</exception>
    public int ServerMaxWindowBits
    {
        get => _serverMaxWindowBits;
        init => _serverMaxWindowBits = CheckWindowBits(value);
    }

    /// <summary>
    /// <c>client_max_window_bits</c>, 9–15, default 15. A client compresses with at most this
    /// window and always offers the parameter (with this value when below 15), so the server may
    /// lower it. A server below 15 lowers the client's window when the client offered the
    /// parameter; otherwise it accepts a 15-bit client window.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not 9–15.</exception>
    public int ClientMaxWindowBits
    {
        get => _clientMaxWindowBits;
        init => _clientMaxWindowBits = CheckWindowBits(value);
    }

    /// <summary>
    /// Whether the server may keep its compression context from one message to the next (better
    /// ratio). <see langword="false"/> means <c>server_no_context_takeover</c>: a server answers
    /// with it, a client asks for it (the server must agree or decline compression). Default true.
    /// </summary>
    public bool ServerContextTakeover { get; init; } = true;

    /// <summary>
    /// Whether the client may keep its compression context from one message to the next.
    /// <see langword="false"/> means <c>client_no_context_takeover</c>: a client offers it (and
    /// honours it), a server puts it in its answer. Default true.
    /// </summary>
    public bool ClientContextTakeover { get; init; } = true;

    /// <summary>zlib compression level of this endpoint's compressor, 1 (fastest) to 9 (smallest). Default 6 (zlib's default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not 1–9.</exception>
    public int CompressionLevel
    {
        get => _compressionLevel;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 9);
            _compressionLevel = value;
        }
    }

    /// <summary>
    /// zlib <c>memLevel</c> of this endpoint's compressor, 1–9: its hash table takes
    /// 2^(memLevel + 9) × 4 bytes (128 KiB at 8, 16 KiB at 5). Default 8 (zlib's default).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not 1–9.</exception>
    public int MemoryLevel
    {
        get => _memoryLevel;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 9);
            _memoryLevel = value;
        }
    }

    /// <summary>
    /// Messages whose payload (UTF-8 bytes for text) is smaller than this are sent uncompressed:
    /// compressing them costs CPU and rarely saves bytes. Default 1024 (as Node ws); 0 compresses
    /// everything. A fragmented message is compressed whatever its first fragment's size.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Threshold
    {
        get => _threshold;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _threshold = value;
        }
    }

    private static int CheckWindowBits(int value)
    {
        if (value is < MinWindowBits or > MaxWindowBits)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Window bits must be {MinWindowBits}–{MaxWindowBits}: zlib cannot compress with an 8-bit window.");
        }

        return value;
    }
}
