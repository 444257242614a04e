using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// An HTTP/1.1 response to an opening handshake: <c>101 Switching Protocols</c> when the server
/// accepts (RFC 6455 §4.2.2), or an error status with a short plain-text body when it does not.
/// </summary>
/// <remarks>
/// <para>
/// A server builds one with <see cref="CreateAccept"/> or <see cref="CreateError"/> (usually through
/// <see cref="ServerHandshake"/>) and writes it with <see cref="WriteTo(IBufferWriter{byte})"/>; a client
/// gets one from <see cref="HttpMessageParser.ParseResponse"/>. The parser reads only the head, so a
/// parsed response has an empty <see cref="Body"/>.
/// </para>
/// <para>
/// Immutable once created, provided nobody keeps adding to the <see cref="Headers"/> instance or
/// writing to the body memory passed to the constructor; then safe to read from any thread.
/// </para>
/// </remarks>
public sealed class HandshakeResponse
{
    /// <summary>Creates a response.</summary>
    /// <param name="statusCode">The status code, 100–599.</param>
    /// <param name="reasonPhrase">The reason phrase; may be empty, must hold no CR, LF or other control char.</param>
    /// <param name="headers">The headers; the response keeps this instance.</param>
    /// <param name="body">The body written after the head; the caller sets <c>Content-Length</c> to match.</param>
    /// <exception cref="ArgumentNullException"><paramref name="reasonPhrase"/> or <paramref name="headers"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is outside 100–599.</exception>
    /// <exception cref="ArgumentException"><paramref name="reasonPhrase"/> holds a control character.</exception>
    public HandshakeResponse(int statusCode, string reasonPhrase, HttpHeaders headers, ReadOnlyMemory<byte> body = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentNullException.ThrowIfNull(reasonPhrase);
        ArgumentNullException.ThrowIfNull(headers);
        if (!HttpSyntax.IsFieldValue(reasonPhrase))
        {
            throw new ArgumentException("A reason phrase cannot hold CR, LF or other control characters (RFC 7230 §3.1.2).", nameof(reasonPhrase));
        }

        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers;
        Body = body;
    }

    /// <summary>The status code; 101 when the server accepted the upgrade.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase, such as <c>Switching Protocols</c>; clients should ignore it (RFC 7230 §3.1.2).</summary>
    public string ReasonPhrase { get; }

    /// <summary>The header fields in order.</summary>
    public HttpHeaders Headers { get; }

    /// <summary>The body; empty for a 101 and for a response read by the parser.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// Creates the server's <c>101 Switching Protocols</c> answer (RFC 6455 §4.2.2 step 5):
    /// <c>Upgrade: websocket</c>, <c>Connection: Upgrade</c>, the <c>Sec-WebSocket-Accept</c> derived
    /// from <paramref name="secWebSocketKey"/>, then the selected subprotocol and extensions if any.
    /// </summary>
    /// <param name="secWebSocketKey">The client's <c>Sec-WebSocket-Key</c> (not the accept value).</param>
    /// <param name="subprotocol">The selected subprotocol, or <see langword="null"/> to send no <c>Sec-WebSocket-Protocol</c>.</param>
    /// <param name="extensions">The accepted extensions with their response parameters, or <see langword="null"/> for none.</param>
    /// <returns>The response, with no body.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secWebSocketKey"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="secWebSocketKey"/> holds a char above U+00FF, or <paramref name="subprotocol"/> is not a token.
    /// </exception>
    public static HandshakeResponse CreateAccept(string secWebSocketKey, string? subprotocol = null, IReadOnlyList<ExtensionOffer>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(secWebSocketKey);
        string accept = WebSocketKey.ComputeAccept(secWebSocketKey);
        if (subprotocol is not null && !HttpSyntax.IsToken(subprotocol))
        {
            throw new ArgumentException("A subprotocol must be an HTTP token (RFC 6455 §4.1 item 10).", nameof(subprotocol));
        }

        var headers = new HttpHeaders();
        headers.AddUnchecked("Upgrade", "websocket");
        headers.AddUnchecked("Connection", "Upgrade");
        headers.AddUnchecked("Sec-WebSocket-Accept", accept);
        if (subprotocol is not null)
        {
            headers.AddUnchecked("Sec-WebSocket-Protocol", subprotocol);
        }

        if (extensions is { Count: > 0 })
        {
            headers.AddUnchecked("Sec-WebSocket-Extensions", ExtensionOffer.FormatList(extensions));
        }

        return new HandshakeResponse(101, "Switching Protocols", headers);
    }

    /// <summary>
    /// Creates an error response: the status with its standard reason phrase,
    /// <paramref name="headers"/>, then <c>Content-Type: text/plain; charset=utf-8</c>,
    /// <c>Content-Length</c>, <c>Connection: close</c>, and <paramref name="message"/> plus a newline as
    /// the body. The connection is meant to be closed after it is written.
    /// </summary>
    /// <param name="statusCode">A 4xx or 5xx status.</param>
    /// <param name="message">The reason shown to the peer; keep it free of secrets.</param>
    /// <param name="headers">Extra headers written first (for example <c>Allow</c>), or <see langword="null"/>.</param>
    /// <returns>The response.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is outside 400–599.</exception>
    public static HandshakeResponse CreateError(int statusCode, string message, HttpHeaders? headers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentNullException.ThrowIfNull(message);
        byte[] body = Encoding.UTF8.GetBytes(message + "\n");
        var all = new HttpHeaders();
        if (headers is not null)
        {
            all.AddRange(headers);
        }

        all.AddUnchecked("Content-Type", "text/plain; charset=utf-8");
        all.AddUnchecked("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        if (!all.Contains("Connection"))
        {
            all.AddUnchecked("Connection", "close");
        }

        return new HandshakeResponse(statusCode, GetReasonPhrase(statusCode), all, body);
    }

    /// <summary>Writes the status line, every header, the empty line, then <see cref="Body"/>.</summary>
    /// <param name="writer">Receives the bytes (head in Latin-1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var builder = new StringBuilder(256);
        builder.Append("HTTP/1.1 ").Append(StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase).Append("\r\n");
        Headers.AppendTo(builder);
        builder.Append("\r\n");
        Encoding.Latin1.GetBytes(builder.ToString(), writer);
        if (!Body.IsEmpty)
        {
            writer.Write(Body.Span);
        }
    }

    /// <summary>Returns the status line, for logs.</summary>
    /// <returns>For example <c>HTTP/1.1 101 Switching Protocols</c>.</returns>
    public override string ToString() => $"HTTP/1.1 {StatusCode.ToString(CultureInfo.InvariantCulture)} {ReasonPhrase}";

    /// <summary>The standard reason phrase of the statuses the handshake uses (RFC 7231 §6.1, RFC 6585).</summary>
    internal static string GetReasonPhrase(int statusCode) => statusCode switch
    {
        101 => "Switching Protocols",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => statusCode < 500 ? "Client Error" : "Server Error",
    };
}
