using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace RxSockets.Protocol;

/// <summary>
/// The server's decision on an opening handshake: accepted, with the 101 response and what was
/// negotiated, or rejected, with the error response and why.
/// </summary>
/// <remarks>
/// Either way the caller writes <see cref="Response"/> to the peer; after a rejection it closes the
/// connection. Immutable and thread-safe.
/// </remarks>
public sealed class ServerHandshakeResult
{
    private ServerHandshakeResult(HandshakeResponse response, string? subprotocol, IReadOnlyList<ExtensionOffer> extensions, string? rejectionReason, PerMessageDeflate? compression = null)
    {
        Compression = compression;
        Debug.Assert((response.StatusCode == 101) == (rejectionReason is null), $"{nameof(rejectionReason)} is set exactly for rejections.");
        Response = response;
        Subprotocol = subprotocol;
        Extensions = extensions;
        RejectionReason = rejectionReason;
    }

    /// <summary>Whether the handshake was accepted: <see cref="Response"/> is a 101 and the connection is open.</summary>
    public bool IsAccepted => RejectionReason is null;

    /// <summary>The response to write: the 101, or the error with its plain-text body.</summary>
    public HandshakeResponse Response { get; }

    /// <summary>The HTTP status of <see cref="Response"/>.</summary>
    public int StatusCode => Response.StatusCode;

    /// <summary>The selected subprotocol; <see langword="null"/> when none was selected or on rejection.</summary>
    public string? Subprotocol { get; }

    /// <summary>The accepted extensions with their response parameters; empty when none or on rejection.</summary>
    public IReadOnlyList<ExtensionOffer> Extensions { get; }

    /// <summary>
    /// permessage-deflate as accepted (pass it to <see cref="ProtocolConnection"/>), or
    /// <see langword="null"/> when it was not negotiated or <see cref="ServerHandshake.Compression"/> is not set.
    /// </summary>
    public PerMessageDeflate? Compression { get; }

    /// <summary>Why the handshake was rejected (the same text as the response body); <see langword="null"/> when accepted.</summary>
    public string? RejectionReason { get; }

    /// <summary>Creates an accepted result.</summary>
    internal static ServerHandshakeResult Accepted(HandshakeResponse response, string? subprotocol, IReadOnlyList<ExtensionOffer> extensions, PerMessageDeflate? compression = null) =>
        new(response, subprotocol, extensions, rejectionReason: null, compression);

    /// <summary>Creates a rejected result.</summary>
    internal static ServerHandshakeResult Rejected(HandshakeResponse response, string reason) =>
        new(response, subprotocol: null, Array.Empty<ExtensionOffer>(), reason);

    /// <inheritdoc/>
    public override string ToString() => IsAccepted ? $"Accepted (subprotocol: {Subprotocol ?? "none"})" : $"Rejected: {StatusCode} {RejectionReason}";
}
