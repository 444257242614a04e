using System;
using System.Collections.Generic;

namespace RxSockets.Protocol;

/// <summary>
/// The client's verdict on the server's answer to its opening handshake (RFC 6455 §4.1): success with
/// what was negotiated, or failure with the reason and, for a non-101 answer, what the server said.
/// </summary>
/// <remarks>
/// The async layer maps a failure to <c>HandshakeRejectedException</c> when <see cref="IsRejected"/>
/// (the server said no) and to <c>HandshakeException</c> otherwise (the server broke the protocol).
/// Immutable and thread-safe.
/// </remarks>
public sealed class ClientHandshakeResult
{
    /// <summary>The most body bytes a failure keeps for diagnostics: 1 KiB.</summary>
    public const int MaxBodyLength = 1024;

    private ClientHandshakeResult(HandshakeResponse response, string? subprotocol, IReadOnlyList<ExtensionOffer> extensions, string? failureReason, ReadOnlyMemory<byte> body, PerMessageDeflate? compression = null)
    {
        Compression = compression;
        Response = response;
        Subprotocol = subprotocol;
        Extensions = extensions;
        FailureReason = failureReason;
        Body = body;
    }

    /// <summary>Whether the server accepted the handshake and the connection is open.</summary>
    public bool IsSuccess => FailureReason is null;

    /// <summary>Whether the server answered with a status other than 101, that is, declined the upgrade.</summary>
    public bool IsRejected => Response.StatusCode != 101;

    /// <summary>The server's response as parsed.</summary>
    public HandshakeResponse Response { get; }

    /// <summary>The status code of <see cref="Response"/>.</summary>
    public int StatusCode => Response.StatusCode;

    /// <summary>The response headers, for diagnostics.</summary>
    public HttpHeaders Headers => Response.Headers;

    /// <summary>The subprotocol the server selected; <see langword="null"/> when none or on failure.</summary>
    public string? Subprotocol { get; }

    /// <summary>The extensions the server accepted, with its parameters; empty when none or on failure.</summary>
    public IReadOnlyList<ExtensionOffer> Extensions { get; }

    /// <summary>
    /// permessage-deflate as the server accepted it (pass it to <see cref="ProtocolConnection"/>),
    /// or <see langword="null"/> when it was not negotiated or <see cref="ClientHandshake.Compression"/> is not set.
    /// </summary>
    public PerMessageDeflate? Compression { get; }

    /// <summary>Why the handshake failed; <see langword="null"/> on success.</summary>
    public string? FailureReason { get; }

    /// <summary>On a rejection, up to <see cref="MaxBodyLength"/> bytes of the response body the caller supplied; otherwise empty.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Creates a success.</summary>
    internal static ClientHandshakeResult Succeeded(HandshakeResponse response, string? subprotocol, IReadOnlyList<ExtensionOffer> extensions, PerMessageDeflate? compression = null) =>
        new(response, subprotocol, extensions, failureReason: null, ReadOnlyMemory<byte>.Empty, compression);

    /// <summary>Creates a failure.</summary>
    internal static ClientHandshakeResult Failed(HandshakeResponse response, string reason, ReadOnlyMemory<byte> body = default) =>
        new(response, subprotocol: null, Array.Empty<ExtensionOffer>(), reason, body);

    /// <inheritdoc/>
    public override string ToString() => IsSuccess ? $"Succeeded (subprotocol: {Subprotocol ?? "none"})" : $"Failed: {FailureReason}";
}
