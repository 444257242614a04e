using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Limits that protect an endpoint from peers that send too much (STYLE S7). One instance may be
/// shared by many connections.
/// </summary>
/// <remarks>
/// The defaults follow python websockets and Node ws. A limit of 0 means "no limit" only where its
/// documentation says so. Immutable after construction (init-only), so thread-safe.
/// </remarks>
public sealed record ProtocolLimits
{
    /// <summary>The defaults: 1 MiB messages and frames, 1,024 fragments, 8 KiB header lines, 128 headers.</summary>
    public static ProtocolLimits Default { get; } = new();

    /// <summary>
    /// The largest incoming message, in bytes, after reassembly (and, once compression is
    /// negotiated, after decompression). Default 1 MiB, as python websockets. Checked while the
    /// message is reassembled, so a peer cannot make the endpoint buffer more than this. A larger
    /// message fails the connection with 1009. 0 means no limit.
    /// </summary>
    public long MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// The largest payload of a single incoming frame, in bytes. Default 1 MiB. Checked from the
    /// frame header, before any payload is read; a larger frame fails the connection with 1009.
    /// A compressed frame (permessage-deflate) may exceed it by deflate's worst-case growth
    /// (<see cref="ProtocolConnection.CompressedFrameLimit"/>, about 1/8 more), so a message within
    /// <see cref="MaxMessageSize"/> is never refused because the peer compressed it; its inflated
    /// size is what <see cref="MaxMessageSize"/> limits. 0 means no limit (then only
    /// <see cref="MaxMessageSize"/> applies).
    /// </summary>
    public long MaxFrameSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// The largest number of frames (empty ones included) one incoming data message may have.
    /// Default 1,024. Guards against floods of tiny fragments (Node ws's 2026 advisory): a message
    /// with more frames fails the connection with 1009. 0 means no limit.
    /// </summary>
    public int MaxFragments { get; init; } = 1024;

    /// <summary>
    /// The longest request line, status line or header line of the opening handshake, in bytes,
    /// without its CRLF. Default 8 KiB, as python websockets (<c>MAX_LINE_LENGTH</c>). A longer
    /// request line is answered with 414, a longer header line with 431.
    /// </summary>
    public int MaxHeaderLineLength { get; init; } = 8 * 1024;

    /// <summary>
    /// The largest number of header fields in the opening handshake. Default 128, as python
    /// websockets (<c>MAX_NUM_HEADERS</c>). More are answered with 431.
    /// </summary>
    public int MaxHeaderCount { get; init; } = 128;
}
