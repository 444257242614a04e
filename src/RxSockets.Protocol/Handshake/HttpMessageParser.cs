using System;
using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// An incremental parser of HTTP/1.1 message heads for the opening handshake: request heads on a
/// server (RFC 6455 §4.2.1), response heads on a client (RFC 6455 §4.1). It reads up to and including
/// the empty line and never touches the bytes after it, which may already be WebSocket frames.
/// </summary>
/// <remarks>
/// <para>
/// Usage follows System.IO.Pipelines: call <see cref="ParseRequest"/> (or <see cref="ParseResponse"/>)
/// with everything read so far; on <see cref="HttpParseResult.NeedMoreData"/> nothing is consumed and
/// everything is examined, so the caller advances to (<c>consumed</c>, <c>examined</c>), reads more,
/// and calls again with the same unconsumed bytes plus the new ones. On
/// <see cref="HttpParseResult.Done"/>, <c>consumed</c> and <c>examined</c> both point just past the
/// empty line. The parser remembers how far it got, so feeding a head one byte at a time costs
/// linear time, not quadratic; that is why it is an object and not a static method, and why the
/// caller must re-feed exactly the unconsumed bytes (or call <see cref="Reset"/>).
/// </para>
/// <para>
/// Strictness, chosen on purpose because the handshake has no legacy to be lenient with (python
/// websockets does the same):
/// every line must end in CRLF, a bare LF is a 400 (RFC 7230 §3.5 allows either choice);
/// no empty lines before the request line; obs-fold (a line starting with SP or HTAB) is a 400
/// (RFC 7230 §3.2.4); whitespace between a field name and its colon is a 400 (RFC 7230 §3.2.4);
/// field names must be tokens, and values may hold HTAB, SP, visible ASCII and obs-text (0x80–0xFF,
/// decoded as Latin-1) but no other control character; the request-target must be in origin-form.
/// </para>
/// <para>
/// Limits (<see cref="ProtocolLimits"/>, STYLE S7): a request line longer than
/// <see cref="ProtocolLimits.MaxHeaderLineLength"/> is a 414 and a header line longer than it a 431,
/// both reported as soon as the unfinished line is too long, before any CRLF arrives; a header line
/// beyond <see cref="ProtocolLimits.MaxHeaderCount"/> is a 431 as soon as its first byte arrives. So
/// the caller never buffers more than about (count + 2) × (line length + 2) bytes.
/// </para>
/// <para>
/// Not thread-safe: one instance per connection, used by one reader at a time. After an error the
/// parser keeps returning it until <see cref="Reset"/>; after <see cref="HttpParseResult.Done"/> it is
/// reset and ready for another head.
/// </para>
/// </remarks>
public sealed class HttpMessageParser
{
    /// <summary>The limits; validated positive in the constructor.</summary>
    private readonly ProtocolLimits _limits;

    /// <summary>Whether the current head is a request or a response; <see cref="Kind.None"/> between heads.</summary>
    private Kind _kind;

    /// <summary>
    /// How many bytes from the start of the input have been parsed into the fields below; always at
    /// a line boundary, so the input must be at least this long on the next call.
    /// </summary>
    private long _parsed;

    /// <summary>Whether the start line is parsed, that is, whether the next line is a header line.</summary>
    private bool _startLineParsed;

    /// <summary>The request's method, target and version once the request line is parsed.</summary>
    private string? _method, _target, _version;

    /// <summary>The response's status code and reason phrase once the status line is parsed.</summary>
    private int _statusCode;

    /// <summary>The response's reason phrase once the status line is parsed.</summary>
    private string? _reasonPhrase;

    /// <summary>The header lines parsed so far; never more than <see cref="ProtocolLimits.MaxHeaderCount"/>.</summary>
    private HttpHeaders _headers = new();

    /// <summary>The sticky error; <see cref="HttpParseError.IsError"/> is set once parsing failed.</summary>
    private HttpParseError _error;

    /// <summary>Creates a parser.</summary>
    /// <param name="limits">The limits to enforce, or <see langword="null"/> for <see cref="ProtocolLimits.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="ProtocolLimits.MaxHeaderLineLength"/> or <see cref="ProtocolLimits.MaxHeaderCount"/> is not
    /// positive (neither limit has a "no limit" value).
    /// </exception>
    public HttpMessageParser(ProtocolLimits? limits = null)
    {
        _limits = limits ?? ProtocolLimits.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limits.MaxHeaderLineLength, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limits.MaxHeaderCount, nameof(limits));
    }

    private enum Kind
    {
        None,
        Request,
        Response,
    }

    /// <summary>Parses a request head (server side).</summary>
    /// <param name="input">Every unconsumed byte received so far, starting at the first byte of the head.</param>
    /// <param name="consumed">Where the caller's buffer may be released up to.</param>
    /// <param name="examined">How far the parser looked; the caller waits for bytes beyond it.</param>
    /// <param name="request">The request on <see cref="HttpParseResult.Done"/>; otherwise <see langword="null"/>.</param>
    /// <param name="error">The error on <see cref="HttpParseResult.Error"/>; otherwise <c>default</c>.</param>
    /// <returns>Whether the head is incomplete, complete, or invalid.</returns>
    /// <exception cref="InvalidOperationException">
    /// A response head is being parsed, or <paramref name="input"/> is shorter than what the previous
    /// call examined (the caller did not re-feed the unconsumed bytes).
    /// </exception>
    public HttpParseResult ParseRequest(
        ReadOnlySequence<byte> input,
        out SequencePosition consumed,
        out SequencePosition examined,
        out HandshakeRequest? request,
        out HttpParseError error)
    {
        HttpParseResult result = Parse(Kind.Request, input, out consumed, out examined, out error);
        request = null;
        if (result == HttpParseResult.Done)
        {
            Debug.Assert(_method is not null && _target is not null && _version is not null, $"{nameof(_method)} is set by the request line.");
            request = new HandshakeRequest(_method, _target, _version, _headers);
            Reset();
        }

        return result;
    }

    /// <summary>
    /// Parses a response head (client side). The body, if any, is left in the input: a client that
    /// wants it for an error report reads it after <paramref name="consumed"/>.
    /// </summary>
    /// <param name="input">Every unconsumed byte received so far, starting at the first byte of the head.</param>
    /// <param name="consumed">Where the caller's buffer may be released up to.</param>
    /// <param name="examined">How far the parser looked; the caller waits for bytes beyond it.</param>
    /// <param name="response">The response on <see cref="HttpParseResult.Done"/>; otherwise <see langword="null"/>.</param>
    /// <param name="error">The error on <see cref="HttpParseResult.Error"/>; otherwise <c>default</c>.</param>
    /// <returns>Whether the head is incomplete, complete, or invalid.</returns>
    /// <exception cref="InvalidOperationException">
    /// A request head is being parsed, or <paramref name="input"/> is shorter than what the previous
    /// call examined.
    /// </exception>
    public HttpParseResult ParseResponse(
        ReadOnlySequence<byte> input,
        out SequencePosition consumed,
        out SequencePosition examined,
        out HandshakeResponse? response,
        out HttpParseError error)
    {
        HttpParseResult result = Parse(Kind.Response, input, out consumed, out examined, out error);
        response = null;
        if (result == HttpParseResult.Done)
        {
            Debug.Assert(_reasonPhrase is not null, $"{nameof(_reasonPhrase)} is set by the status line.");
            response = new HandshakeResponse(_statusCode, _reasonPhrase, _headers);
            Reset();
        }

        return result;
    }

    /// <summary>Forgets the head in progress and any error, so the next call starts a new head.</summary>
    public void Reset()
    {
        _kind = Kind.None;
        _parsed = 0;
        _startLineParsed = false;
        _method = _target = _version = _reasonPhrase = null;
        _statusCode = 0;
        _headers = new HttpHeaders();
        _error = default;
    }

    private HttpParseResult Parse(Kind kind, ReadOnlySequence<byte> input, out SequencePosition consumed, out SequencePosition examined, out HttpParseError error)
    {
        if (_kind != Kind.None && _kind != kind)
        {
            throw new InvalidOperationException($"This parser is in the middle of a {_kind} head; call Reset first.");
        }

        if (input.Length < _parsed)
        {
            throw new InvalidOperationException("The input is shorter than what was already examined: re-feed every unconsumed byte, or call Reset.");
        }

        _kind = kind;
        consumed = input.Start;
        examined = input.End;
        if (_error.IsError)
        {
            error = _error;
            return HttpParseResult.Error;
        }

        var reader = new SequenceReader<byte>(input);
        reader.Advance(_parsed);
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            // RFC 7230 §3.5 lets a recipient accept a bare LF; we do not (see remarks).
            if (line.IsEmpty || !EndsWithCarriageReturn(line))
            {
                return Fail(400, "A line of the HTTP head ends in a bare LF; CRLF is required (RFC 7230 §3.5).", out error);
            }

            line = line.Slice(0, line.Length - 1);
            if (line.Length > _limits.MaxHeaderLineLength)
            {
                return FailLineTooLong(out error);
            }

            if (_startLineParsed && line.IsEmpty)
            {
                // The empty line ends the head (RFC 7230 §3). What follows belongs to the caller.
                consumed = examined = reader.Position;
                error = default;
                return HttpParseResult.Done;
            }

            if (_startLineParsed && _headers.Count >= _limits.MaxHeaderCount)
            {
                return FailTooManyHeaders(out error);
            }

            HttpParseError failure = ParseLine(line);
            if (failure.IsError)
            {
                _error = error = failure;
                return HttpParseResult.Error;
            }

            _parsed = reader.Consumed;
        }

        // No LF yet: judge the unfinished line now, so an over-long one never needs buffering.
        ReadOnlySequence<byte> pending = reader.UnreadSequence;
        if (!pending.IsEmpty)
        {
            long pendingLength = EndsWithCarriageReturn(pending) ? pending.Length - 1 : pending.Length;
            if (pendingLength > _limits.MaxHeaderLineLength)
            {
                return FailLineTooLong(out error);
            }

            if (_startLineParsed && _headers.Count >= _limits.MaxHeaderCount && pending.FirstSpan[0] != (byte)'\r')
            {
                return FailTooManyHeaders(out error);
            }
        }

        error = default;
        return HttpParseResult.NeedMoreData;
    }

    private static bool EndsWithCarriageReturn(ReadOnlySequence<byte> bytes) =>
        bytes.Slice(bytes.Length - 1).FirstSpan[0] == (byte)'\r';

    private HttpParseResult FailLineTooLong(out HttpParseError error) => _startLineParsed
        ? Fail(431, $"A header line is longer than {_limits.MaxHeaderLineLength} bytes.", out error)
        : Fail(414, $"The {(_kind == Kind.Request ? "request" : "status")} line is longer than {_limits.MaxHeaderLineLength} bytes.", out error);

    private HttpParseResult FailTooManyHeaders(out HttpParseError error) =>
        Fail(431, $"The head has more than {_limits.MaxHeaderCount} header fields.", out error);

    private HttpParseResult Fail(int statusCode, string reason, out HttpParseError error)
    {
        _error = error = new HttpParseError(statusCode, reason);
        return HttpParseResult.Error;
    }

    /// <summary>Parses one complete line without its CRLF; returns <c>default</c> or the error.</summary>
    private HttpParseError ParseLine(ReadOnlySequence<byte> line)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> span;
            if (line.IsSingleSegment)
            {
                span = line.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
                line.CopyTo(rented);
                span = rented.AsSpan(0, (int)line.Length);
            }

            if (_startLineParsed)
            {
                return ParseHeaderLine(span);
            }

            _startLineParsed = true;
            return _kind == Kind.Request ? ParseRequestLine(span) : ParseStatusLine(span);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>request-line = method SP request-target SP HTTP-version (RFC 7230 §3.1.1).</summary>
    private HttpParseError ParseRequestLine(ReadOnlySpan<byte> line)
    {
        int firstSpace = line.IndexOf((byte)' ');
        int secondSpace = firstSpace < 0 ? -1 : line[(firstSpace + 1)..].IndexOf((byte)' ');
        if (firstSpace < 0 || secondSpace < 0)
        {
            return BadRequest("The request line must be \"method SP request-target SP HTTP-version\" (RFC 7230 §3.1.1).");
        }

        ReadOnlySpan<byte> method = line[..firstSpace];
        ReadOnlySpan<byte> rest = line[(firstSpace + 1)..];
        string target = KnownHttpStrings.Get(rest[..secondSpace]);
        string version = KnownHttpStrings.Get(rest[(secondSpace + 1)..]);
        if (!HttpSyntax.IsToken(method))
        {
            return BadRequest("The request method is not a token (RFC 7230 §3.1.1).");
        }

        if (!HandshakeRequest.IsOriginForm(target))
        {
            return BadRequest("The request-target must be in origin-form, such as /chat?room=1 (RFC 7230 §5.3.1).");
        }

        if (!HandshakeRequest.IsHttpVersion(version))
        {
            return BadRequest("The request line does not end in an HTTP version such as HTTP/1.1 (RFC 7230 §2.6).");
        }

        // RFC 6455 §4.1: "the HTTP version MUST be at least 1.1"; we speak exactly HTTP/1.1.
        if (version != "HTTP/1.1")
        {
            return new HttpParseError(505, "Only HTTP/1.1 is supported for the WebSocket handshake (RFC 6455 §4.1).");
        }

        _method = KnownHttpStrings.Get(method);
        _target = target;
        _version = version;
        return default;
    }

    /// <summary>status-line = HTTP-version SP status-code SP reason-phrase (RFC 7230 §3.1.2).</summary>
    private HttpParseError ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // "HTTP/1.1 101" is 12 bytes; a missing SP before an empty reason phrase is tolerated.
        if (line.Length < 12 || line[8] != (byte)' ' || (line.Length > 12 && line[12] != (byte)' ')
            || !HandshakeRequest.IsHttpVersion(Encoding.Latin1.GetString(line[..8]))
            || !IsStatusCode(line.Slice(9, 3)))
        {
            return BadRequest("The status line must be \"HTTP-version SP status-code SP reason-phrase\" (RFC 7230 §3.1.2).");
        }

        if (!line[..8].SequenceEqual("HTTP/1.1"u8) && !line[..8].SequenceEqual("HTTP/1.0"u8))
        {
            return new HttpParseError(505, "The response is not HTTP/1.1 (RFC 6455 §4.1).");
        }

        ReadOnlySpan<byte> reason = line.Length > 12 ? line[13..] : ReadOnlySpan<byte>.Empty;
        foreach (byte b in reason)
        {
            if (!HttpSyntax.IsFieldValueChar(b))
            {
                return BadRequest("The reason phrase holds a control character (RFC 7230 §3.1.2).");
            }
        }

        _statusCode = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        _reasonPhrase = Encoding.Latin1.GetString(reason);
        return default;
    }

    private static HttpParseError BadRequest(string reason) => new(400, reason);

    private static bool IsStatusCode(ReadOnlySpan<byte> digits) =>
        digits[0] is >= (byte)'1' and <= (byte)'5' && char.IsAsciiDigit((char)digits[1]) && char.IsAsciiDigit((char)digits[2]);

    /// <summary>header-field = field-name ":" OWS field-value OWS (RFC 7230 §3.2).</summary>
    private HttpParseError ParseHeaderLine(ReadOnlySpan<byte> line)
    {
        if (HttpSyntax.IsWhitespace(line[0]))
        {
            // RFC 7230 §3.2.4: a server MUST reject obs-fold with 400 (or unfold it); we reject.
            return BadRequest("Header line folding (obs-fold) is not allowed (RFC 7230 §3.2.4).");
        }

        int colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return BadRequest("A header line has no colon (RFC 7230 §3.2).");
        }

        ReadOnlySpan<byte> name = line[..colon];
        if (name.IsEmpty)
        {
            return BadRequest("A header line has an empty field name (RFC 7230 §3.2).");
        }

        if (HttpSyntax.IsWhitespace(name[^1]))
        {
            // RFC 7230 §3.2.4: "A server MUST reject any received request message that contains
            // whitespace between a header field-name and colon with a response code of 400".
            return BadRequest("Whitespace between a header field name and its colon is not allowed (RFC 7230 §3.2.4).");
        }

        if (!HttpSyntax.IsToken(name))
        {
            return BadRequest("A header field name is not a token (RFC 7230 §3.2.6).");
        }

        ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in value)
        {
            if (!HttpSyntax.IsFieldValueChar(b))
            {
                return BadRequest("A header field value holds a control character (RFC 7230 §3.2).");
            }
        }

        _headers.AddUnchecked(KnownHttpStrings.Get(name), KnownHttpStrings.Get(value));
        return default;
    }
}
