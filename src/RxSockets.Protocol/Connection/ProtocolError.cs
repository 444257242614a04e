using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Why the engine failed a connection. The numeric values are stable: they may be logged, stored
/// and documented (the README lists them with their close codes), and are never reused.
/// </summary>
/// <remarks>
/// The close code sent for each value is chosen in exactly one place,
/// <see cref="ProtocolConnection.CloseCodeFor(ProtocolError)"/>.
/// </remarks>
public enum ProtocolError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>A frame used a reserved opcode (3–7, 11–15). Close 1002.</summary>
    ReservedOpcode = 1,

    /// <summary>RSV1, RSV2 or RSV3 was set without a negotiated extension that defines it. Close 1002.</summary>
    ReservedBitsSet = 2,

    /// <summary>A server received an unmasked frame (RFC 6455 §5.1). Close 1002.</summary>
    UnmaskedFrame = 3,

    /// <summary>A client received a masked frame (RFC 6455 §5.1). Close 1002.</summary>
    MaskedFrame = 4,

    /// <summary>A 64-bit payload length had its most significant bit set (RFC 6455 §5.2). Close 1002.</summary>
    InvalidPayloadLength = 5,

    /// <summary>A control frame had a payload over 125 bytes (RFC 6455 §5.5). Close 1002.</summary>
    ControlFrameTooLong = 6,

    /// <summary>A control frame had FIN clear (RFC 6455 §5.5). Close 1002.</summary>
    FragmentedControlFrame = 7,

    /// <summary>A continuation frame arrived with no fragmented message in progress (RFC 6455 §5.4). Close 1002.</summary>
    UnexpectedContinuation = 8,

    /// <summary>A new text or binary frame arrived while a fragmented message was in progress (RFC 6455 §5.4). Close 1002.</summary>
    ExpectedContinuation = 9,

    /// <summary>A close frame had a 1-byte payload (RFC 6455 §5.5.1). Close 1002.</summary>
    InvalidClosePayload = 10,

    /// <summary>A close frame carried a code that may not be sent on the wire (RFC 6455 §7.4). Close 1002.</summary>
    InvalidCloseCode = 11,

    /// <summary>A text message or a close reason was not valid UTF-8 (RFC 6455 §8.1). Close 1007.</summary>
    InvalidUtf8 = 12,

    /// <summary>A message exceeded <see cref="ProtocolLimits.MaxMessageSize"/>. Close 1009.</summary>
    MessageTooBig = 13,

    /// <summary>A frame exceeded <see cref="ProtocolLimits.MaxFrameSize"/>. Close 1009.</summary>
    FrameTooBig = 14,

    /// <summary>A message had more frames than <see cref="ProtocolLimits.MaxFragments"/>. Close 1009.</summary>
    TooManyFragments = 15,

    /// <summary>The transport ended in the middle of a frame or without a closing handshake. No close frame is sent (1006).</summary>
    UnexpectedEndOfStream = 16,

    /// <summary>An unexpected condition inside the endpoint. Close 1011, without leaking details to the peer.</summary>
    InternalError = 17,

    /// <summary>A compressed message (permessage-deflate, RFC 7692) was not valid deflate data. Close 1007.</summary>
    InvalidCompressedData = 18,
}
