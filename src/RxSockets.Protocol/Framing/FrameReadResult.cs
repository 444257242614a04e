namespace RxSockets.Protocol;

/// <summary>The outcome of <see cref="FrameReader.TryReadHeader(System.ReadOnlySpan{byte}, out FrameHeader, out int)"/>.</summary>
public enum FrameReadResult
{
    /// <summary>A whole header was decoded.</summary>
    Complete,

    /// <summary>The input ends before the header does; feed more bytes and try again.</summary>
    NeedMoreData,

    /// <summary>A 64-bit payload length had its most significant bit set (RFC 6455 §5.2).</summary>
    InvalidPayloadLength,
}
