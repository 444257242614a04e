using System;
using System.Collections.Generic;
using System.Text;

namespace RxSockets;

/// <summary>The server answered the opening handshake with an HTTP status other than 101.</summary>
/// <remarks>Immutable.</remarks>
public sealed class HandshakeRejectedException : HandshakeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="reasonPhrase">The HTTP reason phrase.</param>
    /// <param name="headers">The response headers.</param>
    /// <param name="body">The start of the response body (at most 1 KiB is kept).</param>
    public HandshakeRejectedException(int statusCode, string reasonPhrase, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
        : base($"The server rejected the WebSocket handshake: HTTP {statusCode} {reasonPhrase}.", HandshakeFailure.Rejected)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers ?? []; // an exception under construction does not throw
        Body = body.Length > 1024 ? body[..1024] : body;
    }

    /// <summary>The HTTP status code (for example 401, 403, 404, 426).</summary>
    public int StatusCode { get; }

    /// <summary>The HTTP reason phrase.</summary>
    public string ReasonPhrase { get; }

    /// <summary>The response headers, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The first kilobyte of the response body, if the server sent one.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body.Span);
}
