using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;

namespace RxSockets.Protocol;

/// <summary>
/// The client side of one opening handshake (RFC 6455 §4.1): builds and writes the request for a
/// <c>ws://</c> or <c>wss://</c> URI, then validates the server's response against it.
/// </summary>
/// <remarks>
/// <para>
/// One instance per connection attempt: it holds the <see cref="Key"/> that the response must
/// answer ("The nonce MUST be selected randomly for each connection", RFC 6455 §4.1), so a retry
/// needs a new instance.
/// </para>
/// <para>
/// Configured through init-only properties and immutable afterwards, so it may be read from any
/// thread.
/// </para>
/// </remarks>
public sealed class ClientHandshake
{
    /// <summary>Request headers the handshake writes itself, which <see cref="ExtraHeaders"/> may not set.</summary>
    private static readonly string[] s_reservedHeaders =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions", "Origin", "User-Agent", "Content-Length", "Transfer-Encoding",
    ];

    /// <summary>Backs <see cref="Subprotocols"/>: a private copy of tokens.</summary>
    private readonly IReadOnlyList<string> _subprotocols = Array.Empty<string>();

    /// <summary>Backs <see cref="Extensions"/>: a private copy without nulls.</summary>
    private readonly IReadOnlyList<ExtensionOffer> _extensions = Array.Empty<ExtensionOffer>();

    /// <summary>Backs <see cref="Origin"/>: <see langword="null"/> or a valid field value.</summary>
    private readonly string? _origin;

    /// <summary>Backs <see cref="UserAgent"/>: <see langword="null"/> or a valid field value.</summary>
    private readonly string? _userAgent;

    /// <summary>Backs <see cref="ExtraHeaders"/>: a private copy without reserved names.</summary>
    private readonly HttpHeaders? _extraHeaders;

    /// <summary>Creates a handshake for <paramref name="uri"/> with a fresh random key.</summary>
    /// <param name="uri">An absolute <c>ws://</c> or <c>wss://</c> URI without fragment or user info.</param>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not such a URI.</exception>
    public ClientHandshake(Uri uri)
        : this(uri, WebSocketKey.Generate())
    {
    }

    /// <summary>Creates a handshake for <paramref name="uri"/> with a given key (for tests and replays).</summary>
    /// <param name="uri">An absolute <c>ws://</c> or <c>wss://</c> URI without fragment or user info.</param>
    /// <param name="key">The <c>Sec-WebSocket-Key</c>: base64 of 16 bytes. Never reuse one in production.</param>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> or <paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not such a URI, or <paramref name="key"/> is not a valid key.</exception>
    public ClientHandshake(Uri uri, string key)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(key);
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException("The URI must be absolute with the scheme ws or wss (RFC 6455 §3).", nameof(uri));
        }

        // RFC 6455 §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and MUST NOT be used".
        if (uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new ArgumentException("The URI may not have a fragment or user info (RFC 6455 §3).", nameof(uri));
        }

        if (!WebSocketKey.IsValid(key))
        {
            throw new ArgumentException("The key must be base64 of 16 bytes (RFC 6455 §4.1 item 7).", nameof(key));
        }

        Uri = uri;
        Key = key;
    }

    /// <summary>The URI being connected to.</summary>
    public Uri Uri { get; }

    /// <summary>The <c>Sec-WebSocket-Key</c> sent, which the response's <c>Sec-WebSocket-Accept</c> must answer.</summary>
    public string Key { get; }

    /// <summary>
    /// The <c>Origin</c> to send, or <see langword="null"/> for none (the default; RFC 6455 §4.1 item 8
    /// requires it from browsers only).
    /// </summary>
    /// <exception cref="ArgumentException">The value holds CR, LF or another control character.</exception>
    public string? Origin
    {
        get => _origin;
        init => _origin = ValidateFieldValue(value, "Origin");
    }

    /// <summary>The <c>User-Agent</c> to send, or <see langword="null"/> for none (the default).</summary>
    /// <exception cref="ArgumentException">The value holds CR, LF or another control character.</exception>
    public string? UserAgent
    {
        get => _userAgent;
        init => _userAgent = ValidateFieldValue(value, "User-Agent");
    }

    /// <summary>The subprotocols offered in <c>Sec-WebSocket-Protocol</c>, most preferred first; empty for none.</summary>
    /// <exception cref="ArgumentNullException">The list or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An element is not a token (RFC 6455 §4.1 item 10) or appears twice.</exception>
    public IReadOnlyList<string> Subprotocols
    {
        get => _subprotocols;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var copy = new List<string>(value.Count);
            foreach (string subprotocol in value)
            {
                ArgumentNullException.ThrowIfNull(subprotocol, nameof(value));
                if (!HttpSyntax.IsToken(subprotocol) || copy.Contains(subprotocol))
                {
                    throw new ArgumentException($"The subprotocol \"{subprotocol}\" is not a token or is offered twice (RFC 6455 §4.1 item 10).", nameof(value));
                }

                copy.Add(subprotocol);
            }

            _subprotocols = copy;
        }
    }

    /// <summary>The extensions offered in <c>Sec-WebSocket-Extensions</c>, in order; empty for none (the default).</summary>
    /// <exception cref="ArgumentNullException">The list or one of its elements is null.</exception>
    public IReadOnlyList<ExtensionOffer> Extensions
    {
        get => _extensions;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var copy = new List<ExtensionOffer>(value.Count);
            foreach (ExtensionOffer extension in value)
            {
                ArgumentNullException.ThrowIfNull(extension, nameof(value));
                copy.Add(extension);
            }

            _extensions = copy;
        }
    }

    /// <summary>
    /// permessage-deflate settings (RFC 7692) to offer, or <see langword="null"/> (the default) to
    /// offer nothing. The offer (<see cref="PerMessageDeflate.CreateOffer"/>) goes before
    /// <see cref="Extensions"/>, and is only made when <see cref="PerMessageDeflate.IsSupported"/>.
    /// <see cref="ValidateResponse"/> fails when the server's answer cannot be honoured.
    /// </summary>
    public PerMessageDeflateOptions? Compression { get; init; }

    /// <summary>
    /// Headers added after the handshake's own (for example <c>Authorization</c> or <c>Cookie</c>);
    /// copied when set. They may not override what the handshake writes: <c>Host</c>, <c>Upgrade</c>,
    /// <c>Connection</c>, <c>Sec-WebSocket-*</c>, <c>Origin</c> and <c>User-Agent</c> (use their
    /// properties), <c>Content-Length</c>, <c>Transfer-Encoding</c>. CR and LF cannot occur:
    /// <see cref="HttpHeaders.Add(string, string)"/> refuses them.
    /// </summary>
    /// <exception cref="ArgumentException">A header has one of the reserved names.</exception>
    public HttpHeaders? ExtraHeaders
    {
        get => _extraHeaders;
        init => _extraHeaders = HttpHeaders.CopyExtra(value, s_reservedHeaders);
    }

    /// <summary>
    /// Builds the request (RFC 6455 §4.1): <c>GET</c> of the URI's path and query, <c>Host</c> with the
    /// port only when it is not the scheme's default (80 for ws, 443 for wss), <c>Upgrade</c>,
    /// <c>Connection</c>, <c>Sec-WebSocket-Key</c>, <c>Sec-WebSocket-Version: 13</c>, then the optional
    /// headers.
    /// </summary>
    /// <returns>A new request each call.</returns>
    public HandshakeRequest CreateRequest()
    {
        var headers = new HttpHeaders();
        headers.AddUnchecked("Host", FormatHost(Uri));
        headers.AddUnchecked("Upgrade", "websocket");
        headers.AddUnchecked("Connection", "Upgrade");
        headers.AddUnchecked("Sec-WebSocket-Key", Key);
        headers.AddUnchecked("Sec-WebSocket-Version", ServerHandshake.SupportedVersion);
        if (_origin is not null)
        {
            headers.AddUnchecked("Origin", _origin);
        }

        if (_subprotocols.Count > 0)
        {
            headers.AddUnchecked("Sec-WebSocket-Protocol", string.Join(", ", _subprotocols));
        }

        IReadOnlyList<ExtensionOffer> offers = OfferedExtensions;
        if (offers.Count > 0)
        {
            headers.AddUnchecked("Sec-WebSocket-Extensions", ExtensionOffer.FormatList(offers));
        }

        if (_userAgent is not null)
        {
            headers.AddUnchecked("User-Agent", _userAgent);
        }

        if (_extraHeaders is not null)
        {
            headers.AddRange(_extraHeaders);
        }

        // Uri.PathAndQuery is already percent-encoded and starts with "/" for ws and wss (RFC 6455 §3).
        return new HandshakeRequest("GET", Uri.PathAndQuery, "HTTP/1.1", headers);
    }

    /// <summary>Writes <see cref="CreateRequest"/> into <paramref name="writer"/>.</summary>
    /// <param name="writer">Receives the request head.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteRequest(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CreateRequest().WriteTo(writer);
    }

    /// <summary>
    /// Validates the server's response as RFC 6455 §4.1 requires: status 101; <c>Upgrade: websocket</c>;
    /// <c>Connection</c> holding <c>Upgrade</c>; the right <c>Sec-WebSocket-Accept</c>; extensions only
    /// among those offered; a subprotocol only among those offered.
    /// </summary>
    /// <param name="response">The parsed response head.</param>
    /// <param name="body">
    /// Bytes received after the head, if the caller has them; for a non-101 response the first
    /// <see cref="ClientHandshakeResult.MaxBodyLength"/> of them (or of <see cref="HandshakeResponse.Body"/>
    /// when this is empty) are kept in the result for diagnostics.
    /// </param>
    /// <returns>Success with the negotiated subprotocol and extensions, or failure with the reason.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is null.</exception>
    public ClientHandshakeResult ValidateResponse(HandshakeResponse response, ReadOnlySequence<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        HttpHeaders headers = response.Headers;

        // RFC 6455 §4.1: "If the status code received from the server is not 101, the client handles
        // the response per HTTP procedures"; for us it is a rejection worth reporting with its body.
        if (response.StatusCode != 101)
        {
            byte[] kept = body.IsEmpty
                ? response.Body[..Math.Min(response.Body.Length, ClientHandshakeResult.MaxBodyLength)].ToArray()
                : body.Slice(0, Math.Min(body.Length, ClientHandshakeResult.MaxBodyLength)).ToArray();
            string reason = string.Create(CultureInfo.InvariantCulture, $"The server answered {response.StatusCode} {response.ReasonPhrase} instead of 101 Switching Protocols.");
            return ClientHandshakeResult.Failed(response, reason, kept);
        }

        IReadOnlyList<string> upgrade = headers.GetTokens("Upgrade");
        if (upgrade.Count != 1 || !string.Equals(upgrade[0], "websocket", StringComparison.OrdinalIgnoreCase))
        {
            return ClientHandshakeResult.Failed(response, "The response's Upgrade header is missing or not \"websocket\" (RFC 6455 §4.1).");
        }

        if (!headers.ContainsToken("Connection", "Upgrade"))
        {
            return ClientHandshakeResult.Failed(response, "The response's Connection header does not contain \"Upgrade\" (RFC 6455 §4.1).");
        }

        IReadOnlyList<string> accept = headers.GetAll("Sec-WebSocket-Accept");
        if (accept.Count != 1 || !WebSocketKey.IsValidAccept(Key, accept[0]))
        {
            return ClientHandshakeResult.Failed(response, "The response's Sec-WebSocket-Accept does not match the key sent (RFC 6455 §4.1).");
        }

        // RFC 6455 §4.1: "the use of an extension not present in the client's handshake ... MUST Fail the WebSocket Connection".
        if (!ExtensionOffer.TryParseList(headers.GetAll("Sec-WebSocket-Extensions"), out IReadOnlyList<ExtensionOffer> extensions))
        {
            return ClientHandshakeResult.Failed(response, "The response's Sec-WebSocket-Extensions header is malformed (RFC 6455 §9.1).");
        }

        for (int i = 0; i < extensions.Count; i++)
        {
            if (!WasOffered(extensions[i].Name) || IndexOfExtension(extensions, extensions[i].Name) != i)
            {
                return ClientHandshakeResult.Failed(response, $"The server accepted the extension \"{extensions[i].Name}\", which was not offered or is listed twice (RFC 6455 §4.1).");
            }
        }

        // RFC 7692 §7.1: parameters the client did not offer or cannot honour fail the connection.
        PerMessageDeflate? compression = null;
        if (OffersCompression)
        {
            foreach (ExtensionOffer extension in extensions)
            {
                if (PerMessageDeflate.IsDeflate(extension)
                    && !PerMessageDeflate.TryAcceptResponse(extension, Compression!, out compression, out string? error))
                {
                    return ClientHandshakeResult.Failed(response, $"The server's permessage-deflate answer cannot be honoured: {error}");
                }
            }
        }

        // RFC 6455 §4.1: a subprotocol "not present in the client's handshake ... MUST Fail the WebSocket Connection".
        IReadOnlyList<string> subprotocols = headers.GetTokens("Sec-WebSocket-Protocol");
        string? subprotocol = null;
        if (headers.Contains("Sec-WebSocket-Protocol"))
        {
            if (subprotocols.Count != 1 || !ContainsOrdinal(_subprotocols, subprotocols[0]))
            {
                return ClientHandshakeResult.Failed(response, "The server selected a subprotocol that was not offered, or more than one (RFC 6455 §4.1).");
            }

            subprotocol = subprotocols[0];
        }

        return ClientHandshakeResult.Succeeded(response, subprotocol, extensions, compression);
    }

    /// <summary>The Host header value: the host, bracketed if IPv6, plus the port unless it is the scheme's default.</summary>
    private static string FormatHost(Uri uri)
    {
        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        int defaultPort = uri.Scheme == "wss" ? 443 : 80;
        return uri.Port == defaultPort ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{uri.Port}");
    }

    private static string? ValidateFieldValue(string? value, string name)
    {
        if (value is not null && !HttpSyntax.IsFieldValue(value))
        {
            throw new ArgumentException($"The {name} header cannot hold CR, LF or other control characters.", nameof(value));
        }

        return value;
    }

    /// <summary>Whether the request carries a permessage-deflate offer built from <see cref="Compression"/>.</summary>
    private bool OffersCompression => Compression is not null && PerMessageDeflate.IsSupported;

    /// <summary>The extensions the request offers: permessage-deflate first when <see cref="OffersCompression"/>, then <see cref="Extensions"/>.</summary>
    private IReadOnlyList<ExtensionOffer> OfferedExtensions =>
        OffersCompression ? [PerMessageDeflate.CreateOffer(Compression!), .. _extensions] : _extensions;

    private bool WasOffered(string extensionName)
    {
        foreach (ExtensionOffer offer in OfferedExtensions)
        {
            if (string.Equals(offer.Name, extensionName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOfExtension(IReadOnlyList<ExtensionOffer> extensions, string name)
    {
        for (int i = 0; i < extensions.Count; i++)
        {
            if (string.Equals(extensions[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool ContainsOrdinal(IReadOnlyList<string> list, string value)
    {
        foreach (string item in list)
        {
            if (string.Equals(item, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
