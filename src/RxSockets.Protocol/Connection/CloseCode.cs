namespace RxSockets;

/// <summary>
/// WebSocket close status codes, with the names of the IANA "WebSocket Close Code Number" registry
/// (RFC 6455 §7.4.1 and §11.7).
/// </summary>
/// <remarks>
/// Some codes are reserved for local use and never appear on the wire: <see cref="NoStatusReceived"/>
/// (1005), <see cref="AbnormalClosure"/> (1006) and <see cref="TlsHandshake"/> (1015), plus 1004.
/// Use <see cref="CloseStatus.IsValidOnWire(int)"/> to check a code received in a close frame.
/// </remarks>
public enum CloseCode : ushort
{
    /// <summary>1000: the purpose for which the connection was established has been fulfilled.</summary>
    NormalClosure = 1000,

    /// <summary>1001: the endpoint is going away (server shutdown, browser leaving the page).</summary>
    GoingAway = 1001,

    /// <summary>1002: the endpoint is terminating the connection due to a protocol error.</summary>
    ProtocolError = 1002,

    /// <summary>1003: the endpoint received a type of data it cannot accept.</summary>
    UnsupportedData = 1003,

    /// <summary>1005: no status code was present in the close frame (never sent on the wire).</summary>
    NoStatusReceived = 1005,

    /// <summary>1006: the connection closed without a close frame (never sent on the wire).</summary>
    AbnormalClosure = 1006,

    /// <summary>1007: a message contained data inconsistent with its type (for example invalid UTF-8 in text).</summary>
    InvalidPayloadData = 1007,

    /// <summary>1008: a message violated the endpoint's policy.</summary>
    PolicyViolation = 1008,

    /// <summary>1009: a message was too big to process.</summary>
    MessageTooBig = 1009,

    /// <summary>1010: the client expected the server to negotiate one or more extensions.</summary>
    MandatoryExtension = 1010,

    /// <summary>1011: the server met an unexpected condition (also used for keepalive timeouts).</summary>
    InternalError = 1011,

    /// <summary>1012: the service is restarting.</summary>
    ServiceRestart = 1012,

    /// <summary>1013: try again later (temporary overload).</summary>
    TryAgainLater = 1013,

    /// <summary>1014: a gateway or proxy received an invalid response from the upstream server.</summary>
    BadGateway = 1014,

    /// <summary>1015: the TLS handshake failed (never sent on the wire).</summary>
    TlsHandshake = 1015,
}
