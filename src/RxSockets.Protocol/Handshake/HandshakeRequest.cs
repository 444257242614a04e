using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// The head of an HTTP/1.1 request as it matters to the WebSocket opening handshake
/// (RFC 6455 §4.1): request line, headers, and typed views of the handshake headers.
/// </summary>
/// <remarks>
/// <para>
/// Produced by <see cref="HttpMessageParser.ParseRequest"/> on a server and by
/// <see cref="ClientHandshake.CreateRequest"/> on a client. The request itself does not judge
/// whether it is a valid handshake; <see cref="ServerHandshake"/> does.
/// </para>
/// <para>
/// Immutable once created, provided nobody keeps adding to the <see cref="Headers"/> instance passed
/// to the constructor; then safe to read from any thread.
/// </para>
/// </remarks>
public sealed class HandshakeRequest
{
    /// <summary>Creates a request head.</summary>
    /// <param name="method">The method, a token such as <c>GET</c> (case-sensitive, RFC 7230 §3.1.1).</param>
    /// <param name="target">
    /// The request-target in origin-form: <c>/path</c> or <c>/path?query</c>, visible ASCII only.
    /// </param>
    /// <param name="version">The HTTP version, <c>HTTP/</c> DIGIT <c>.</c> DIGIT.</param>
    /// <param name="headers">The headers; the request keeps this instance.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="method"/> is not a token, <paramref name="target"/> is not in origin-form or has a
    /// char outside U+0021–U+007E, or <paramref name="version"/> is malformed.
    /// </exception>
    public HandshakeRequest(string method, string target, string version, HttpHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(headers);
        if (!HttpSyntax.IsToken(method))
        {
            throw new ArgumentException("The method must be an HTTP token (RFC 7230 §3.1.1).", nameof(method));
        }

        if (!IsOriginForm(target))
        {
            throw new ArgumentException("The request-target must be in origin-form, such as /chat?room=1 (RFC 7230 §5.3.1).", nameof(target));
        }

        if (!IsHttpVersion(version))
        {
            throw new ArgumentException("The version must look like HTTP/1.1 (RFC 7230 §2.6).", nameof(version));
        }

        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
        int question = target.IndexOf('?', StringComparison.Ordinal);
        Path = question < 0 ? target : target[..question];
        Query = question < 0 ? string.Empty : target[(question + 1)..];
    }

    /// <summary>The method, such as <c>GET</c>.</summary>
    public string Method { get; }

    /// <summary>The raw request-target, such as <c>/chat?room=1</c>, still percent-encoded.</summary>
    public string Target { get; }

    /// <summary>The part of <see cref="Target"/> before <c>?</c>, such as <c>/chat</c>; still percent-encoded.</summary>
    public string Path { get; }

    /// <summary>The part of <see cref="Target"/> after the first <c>?</c>, without it; empty when there is none.</summary>
    public string Query { get; }

    /// <summary>The HTTP version, such as <c>HTTP/1.1</c>.</summary>
    public string Version { get; }

    /// <summary>The header fields in arrival order.</summary>
    public HttpHeaders Headers { get; }

    /// <summary>The first <c>Host</c> value, or <see langword="null"/> when absent (RFC 6455 §4.1 item 4).</summary>
    public string? Host => Headers.GetFirst("Host");

    /// <summary>
    /// The first <c>Origin</c> value, or <see langword="null"/> when absent; browsers always send it
    /// (RFC 6455 §4.1 item 8, §10.2).
    /// </summary>
    public string? Origin => Headers.GetFirst("Origin");

    /// <summary>The first <c>Sec-WebSocket-Key</c> value, or <see langword="null"/> when absent (RFC 6455 §4.1 item 7).</summary>
    public string? SecWebSocketKey => Headers.GetFirst("Sec-WebSocket-Key");

    /// <summary>
    /// The subprotocols offered in <c>Sec-WebSocket-Protocol</c>, across all its lines, in the
    /// client's order of preference (RFC 6455 §4.1 item 10); empty when none are offered.
    /// </summary>
    public IReadOnlyList<string> OfferedSubprotocols => Headers.GetTokens("Sec-WebSocket-Protocol");

    /// <summary>
    /// Parses the extensions offered in <c>Sec-WebSocket-Extensions</c> across all its lines
    /// (RFC 6455 §9.1).
    /// </summary>
    /// <param name="offers">The offers in the client's order; empty when none are offered or on failure.</param>
    /// <returns><see langword="false"/> when the header is malformed.</returns>
    public bool TryGetOfferedExtensions(out IReadOnlyList<ExtensionOffer> offers) =>
        ExtensionOffer.TryParseList(Headers.GetAll("Sec-WebSocket-Extensions"), out offers);

    /// <summary>Writes the head: the request line, every header, and the empty line.</summary>
    /// <param name="writer">Receives the Latin-1 bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Encoding.Latin1.GetBytes(ToString(), writer);
    }

    /// <summary>Returns the head exactly as <see cref="WriteTo(IBufferWriter{byte})"/> writes it.</summary>
    /// <returns>The request line, headers and empty line, each ending in CRLF.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(256);
        builder.Append(Method).Append(' ').Append(Target).Append(' ').Append(Version).Append("\r\n");
        Headers.AppendTo(builder);
        return builder.Append("\r\n").ToString();
    }

    /// <summary>Whether <paramref name="target"/> is origin-form: <c>/</c> then visible ASCII (RFC 7230 §5.3.1).</summary>
    internal static bool IsOriginForm(ReadOnlySpan<char> target)
    {
        if (target.IsEmpty || target[0] != '/')
        {
            return false;
        }

        foreach (char c in target)
        {
            if (c <= 0x20 || c >= 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="version"/> is HTTP-version: <c>HTTP/</c> DIGIT <c>.</c> DIGIT (RFC 7230 §2.6).</summary>
    internal static bool IsHttpVersion(ReadOnlySpan<char> version) =>
        version.Length == 8 && version.StartsWith("HTTP/", StringComparison.Ordinal)
        && char.IsAsciiDigit(version[5]) && version[6] == '.' && char.IsAsciiDigit(version[7]);
}
