using System;
using System.Net.WebSockets;

namespace RxSockets;

/// <summary>
/// A close code and its reason, as carried by a close frame (RFC 6455 §5.5.1).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct CloseStatus
{
    /// <summary>The largest reason, in UTF-8 bytes, that fits a control frame: 125 - 2 bytes of code.</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>Creates a close status.</summary>
    /// <param name="code">The close code.</param>
    /// <param name="reason">The reason; <see langword="null"/> is treated as empty.</param>
    public CloseStatus(CloseCode code, string? reason = null)
    {
        Code = code;
        _reason = reason ?? string.Empty;
    }

    /// <summary>The close code.</summary>
    public CloseCode Code { get; }

    /// <summary>The reason text (possibly empty, never <see langword="null"/>).</summary>
    public string Reason => _reason ?? string.Empty;

    /// <summary>The reason as given; <see langword="null"/> in <c>default(CloseStatus)</c>.</summary>
    private readonly string? _reason;

    /// <summary>
    /// <see langword="true"/> for the codes that end a connection normally: 1000, 1001 and 1005
    /// (no code). Python websockets calls these <c>OK_CLOSE_CODES</c>.
    /// </summary>
    public bool IsNormal => Code is CloseCode.NormalClosure or CloseCode.GoingAway or CloseCode.NoStatusReceived;

    /// <summary>
    /// Whether <paramref name="code"/> may appear in a close frame on the wire
    /// (RFC 6455 §7.4.1–§7.4.2 and the IANA registry): 1000–1003, 1007–1014 and 3000–4999.
    /// </summary>
    /// <param name="code">The code to check.</param>
    /// <returns><see langword="true"/> when an endpoint may send and accept the code.</returns>
    public static bool IsValidOnWire(int code) =>
        code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;

    /// <summary>Two statuses are equal when their codes and reasons are (a null reason equals an empty one).</summary>
    /// <param name="other">Another status.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(CloseStatus other) => Code == other.Code && string.Equals(Reason, other.Reason, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Code, Reason);

    /// <summary>Converts to the equivalent <see cref="WebSocketCloseStatus"/> of System.Net.WebSockets.</summary>
    /// <returns>The same numeric code as a <see cref="WebSocketCloseStatus"/>.</returns>
    public WebSocketCloseStatus ToWebSocketCloseStatus() => (WebSocketCloseStatus)(int)Code;

    /// <inheritdoc/>
    public override string ToString() =>
        Reason.Length == 0 ? $"{(int)Code} ({Code})" : $"{(int)Code} ({Code}) \"{Reason}\"";
}
