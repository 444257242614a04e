using System;

namespace RxSockets.Protocol;

/// <summary>
/// Why an HTTP head could not be parsed: the HTTP status a server answers with, and a reason that
/// is safe to show to the peer (it never quotes the offending bytes).
/// </summary>
/// <remarks>
/// <para>
/// Status codes: 400 for malformed syntax, 414 for a request line over
/// <see cref="ProtocolLimits.MaxHeaderLineLength"/>, 431 for a header line over that limit or more
/// than <see cref="ProtocolLimits.MaxHeaderCount"/> headers, 505 for a request whose version is not
/// HTTP/1.1. When a client parses a response, the same codes classify the error but are never sent.
/// </para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public readonly record struct HttpParseError
{
    /// <summary>Creates an error.</summary>
    /// <param name="statusCode">The HTTP status that answers the error, 400–599.</param>
    /// <param name="reason">A human-readable reason for the response body and for logs.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not a 4xx or 5xx status.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="reason"/> is null.</exception>
    public HttpParseError(int statusCode, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentNullException.ThrowIfNull(reason);
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The HTTP status that answers the error; 0 in <c>default</c>, which means "no error".</summary>
    public int StatusCode { get; }

    /// <summary>The reason; <see langword="null"/> only in <c>default</c>.</summary>
    public string? Reason { get; }

    /// <summary>Whether this value describes an error (<see langword="false"/> for <c>default</c>).</summary>
    public bool IsError => StatusCode != 0;

    /// <inheritdoc/>
    public override string ToString() => IsError ? $"{StatusCode} {Reason}" : "no error";
}
