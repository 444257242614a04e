using System;

namespace RxSockets;

/// <summary>
/// The connection is closed: raised by sends and receives after the close, and delivered through
/// <c>OnError</c> to subscribers of a connection that did not close normally.
/// </summary>
/// <remarks>
/// <see cref="IsNormal"/> distinguishes a clean close (1000, 1001 or 1005 received; python
/// websockets' <c>ConnectionClosedOK</c>) from an error (<c>ConnectionClosedError</c>).
/// When no close frame was received, <see cref="Received"/> is <see langword="null"/> and
/// <see cref="Code"/> reports the code this endpoint sent, or 1006 when none was exchanged.
/// </remarks>
public class ConnectionClosedException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="received">The close frame received, if any.</param>
    /// <param name="sent">The close frame sent, if any.</param>
    /// <param name="receivedThenSent">Whether the peer closed first.</param>
    /// <param name="innerException">The cause (a protocol error, a transport error), if any.</param>
    public ConnectionClosedException(CloseStatus? received, CloseStatus? sent, bool receivedThenSent, Exception? innerException = null)
        : base(Describe(received, sent, receivedThenSent), innerException)
    {
        Received = received;
        Sent = sent;
        ReceivedThenSent = receivedThenSent;
    }

    /// <summary>The close frame received from the peer, if any.</summary>
    public CloseStatus? Received { get; }

    /// <summary>The close frame sent to the peer, if any.</summary>
    public CloseStatus? Sent { get; }

    /// <summary>Whether the peer closed first (its close frame was received, then this endpoint's sent).</summary>
    public bool ReceivedThenSent { get; }

    /// <summary>
    /// The close code that best describes the closure: the one received; else the one this endpoint
    /// sent when it failed the connection (for example 1011 on a keepalive timeout, 1002 on a protocol
    /// error, after which the peer's reply is not read); else 1006 (no close frame came back).
    /// </summary>
    public CloseCode Code => Received?.Code ?? (InnerException is not null && Sent is CloseStatus sent ? sent.Code : CloseCode.AbnormalClosure);

    /// <summary>The reason received, or an empty string.</summary>
    public string Reason => Received?.Reason ?? string.Empty;

    /// <summary>
    /// Whether the connection closed normally: a close frame with 1000, 1001 or no code was received
    /// and one was sent (python websockets' <c>OK_CLOSE_CODES</c>), and no local error occurred.
    /// </summary>
    public bool IsNormal => InnerException is null && Received is { IsNormal: true } && Sent is { IsNormal: true };

    private static string Describe(CloseStatus? received, CloseStatus? sent, bool receivedThenSent)
    {
        string r = received is CloseStatus rc ? $"received {rc}" : "no close frame received";
        string s = sent is CloseStatus sc ? $"sent {sc}" : "no close frame sent";
        return receivedThenSent ? $"Connection closed: {r}; then {s}." : $"Connection closed: {s}; {r}.";
    }
}
