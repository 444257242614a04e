using System;
using System.Collections.Generic;
using System.Linq;

namespace RxSockets.Protocol;

/// <summary>
/// The server side of the opening handshake (RFC 6455 §4.2): checks a parsed request, selects a
/// subprotocol and extensions, and produces the 101 response or the error response.
/// </summary>
/// <remarks>
/// <para>
/// Checks, in this order, each answered with its own status:
/// method <c>GET</c> (else 405 with <c>Allow: GET</c>); version HTTP/1.1 (else 505); exactly one
/// <c>Host</c> (else 400, RFC 7230 §5.4); an <c>Upgrade</c> list holding <c>websocket</c> (else 426, so a
/// plain HTTP request learns it must upgrade); a <c>Connection</c> list holding <c>Upgrade</c> (else 400);
/// <c>Sec-WebSocket-Version: 13</c> (else 426 with <c>Sec-WebSocket-Version: 13</c>, RFC 6455 §4.4);
/// exactly one valid <c>Sec-WebSocket-Key</c> (else 400); well-formed <c>Sec-WebSocket-Protocol</c> and
/// <c>Sec-WebSocket-Extensions</c> (else 400). The version is checked before the key so that a client
/// of another draft is told which version to speak.
/// </para>
/// <para>
/// Configured through init-only properties and immutable afterwards, so one instance can serve every
/// connection from any thread, provided the callbacks are thread-safe too.
/// </para>
/// </remarks>
public sealed class ServerHandshake
{
    /// <summary>The one protocol version this engine speaks (RFC 6455 §4.1 item 9).</summary>
    public const string SupportedVersion = "13";

    /// <summary>Response headers the handshake writes itself, which <see cref="ExtraHeaders"/> may not set.</summary>
    private static readonly string[] s_reservedHeaders =
    [
        "Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Version", "Server", "Content-Length", "Transfer-Encoding",
    ];

    /// <summary>Backs <see cref="SupportedSubprotocols"/>: a private copy of tokens.</summary>
    private readonly IReadOnlyList<string> _supportedSubprotocols = Array.Empty<string>();

    /// <summary>Backs <see cref="ServerHeader"/>: <see langword="null"/> or a valid field value.</summary>
    private readonly string? _serverHeader;

    /// <summary>Backs <see cref="ExtraHeaders"/>: a private copy without reserved names.</summary>
    private readonly HttpHeaders? _extraHeaders;

    /// <summary>Creates a handshake with no subprotocols, no extensions and no extra headers.</summary>
    public ServerHandshake()
    {
    }

    /// <summary>
    /// The subprotocols this server speaks, most preferred first. Unless
    /// <see cref="SubprotocolSelector"/> is set, the first of them that the client offered is selected
    /// (server preference, as python websockets); when none matches, no subprotocol is selected and
    /// the response carries no <c>Sec-WebSocket-Protocol</c> (RFC 6455 §4.2.2 step 5, sub-item 4).
    /// </summary>
    /// <exception cref="ArgumentNullException">The list or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An element is not a token.</exception>
    public IReadOnlyList<string> SupportedSubprotocols
    {
        get => _supportedSubprotocols;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var copy = new List<string>(value.Count);
            foreach (string subprotocol in value)
            {
                ArgumentNullException.ThrowIfNull(subprotocol, nameof(value));
                if (!HttpSyntax.IsToken(subprotocol))
                {
                    throw new ArgumentException($"The subprotocol \"{subprotocol}\" is not a token (RFC 6455 §4.1 item 10).", nameof(value));
                }

                copy.Add(subprotocol);
            }

            _supportedSubprotocols = copy;
        }
    }

    /// <summary>
    /// Selects the subprotocol instead of <see cref="SupportedSubprotocols"/>: called with the request
    /// and the client's offers (in the client's order, never empty), it returns one of them or
    /// <see langword="null"/> for none. Returning anything the client did not offer is a bug:
    /// <see cref="Negotiate(HandshakeRequest)"/> then throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Func<HandshakeRequest, IReadOnlyList<string>, string?>? SubprotocolSelector { get; init; }

    /// <summary>
    /// Accepts extensions: called with the request and the client's offers (never empty), it returns the
    /// extensions accepted with their response parameters, in the order they apply, or an empty list.
    /// When <see langword="null"/> (the default, until permessage-deflate lands) every offer is
    /// declined, which RFC 6455 §9.1 allows by simply not listing it. Accepting a name the client did
    /// not offer is a bug: <see cref="Negotiate(HandshakeRequest)"/> then throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Func<HandshakeRequest, IReadOnlyList<ExtensionOffer>, IReadOnlyList<ExtensionOffer>>? ExtensionSelector { get; init; }

    /// <summary>
    /// permessage-deflate settings (RFC 7692), or <see langword="null"/> (the default) to decline
    /// it. When set (and <see cref="PerMessageDeflate.IsSupported"/>), the first
    /// <c>permessage-deflate</c> offer the server can honour is accepted (see
    /// <see cref="PerMessageDeflate.TryAccept"/>), listed first in the response, and returned in
    /// <see cref="ServerHandshakeResult.Compression"/>; <see cref="ExtensionSelector"/> then only
    /// sees the offers of other extensions.
    /// </summary>
    public PerMessageDeflateOptions? Compression { get; init; }

    /// <summary>The value of the <c>Server</c> header on every response, or <see langword="null"/> to send none (the default).</summary>
    /// <exception cref="ArgumentException">The value holds CR, LF or another control character.</exception>
    public string? ServerHeader
    {
        get => _serverHeader;
        init
        {
            if (value is not null && !HttpSyntax.IsFieldValue(value))
            {
                throw new ArgumentException("The Server header cannot hold CR, LF or other control characters.", nameof(value));
            }

            _serverHeader = value;
        }
    }

    /// <summary>
    /// Headers added to every 101 response after the handshake's own (for example <c>Set-Cookie</c>);
    /// copied when set. They may not override what the handshake writes itself: <c>Upgrade</c>,
    /// <c>Connection</c>, <c>Sec-WebSocket-*</c>, <c>Server</c>, <c>Content-Length</c>,
    /// <c>Transfer-Encoding</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A header has one of the reserved names.</exception>
    public HttpHeaders? ExtraHeaders
    {
        get => _extraHeaders;
        init => _extraHeaders = HttpHeaders.CopyExtra(value, s_reservedHeaders);
    }

    /// <summary>
    /// Which <c>Origin</c> headers are accepted; <see langword="null"/> (the default) accepts any.
    /// A refused origin is answered with 403 before anything else is negotiated.
    /// </summary>
    public OriginPolicy? Origins { get; init; }

    /// <summary>Checks <paramref name="request"/> and produces the 101 or the error response (see remarks for the order).</summary>
    /// <param name="request">The parsed request head.</param>
    /// <returns>The accepted result with the negotiated subprotocol and extensions, or the rejected one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// <see cref="SubprotocolSelector"/> returned a subprotocol the client did not offer, or
    /// <see cref="ExtensionSelector"/> accepted an extension the client did not offer.
    /// </exception>
    public ServerHandshakeResult Negotiate(HandshakeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpHeaders headers = request.Headers;

        // RFC 6455 §4.1 item 2: "The method of the request MUST be GET"; RFC 7231 §6.5.5: a 405 MUST carry Allow.
        if (request.Method != "GET")
        {
            var allow = new HttpHeaders();
            allow.AddUnchecked("Allow", "GET");
            return Reject(405, $"The WebSocket handshake must use GET, not {request.Method} (RFC 6455 §4.1).", allow);
        }

        if (request.Version != "HTTP/1.1")
        {
            return Reject(505, "Only HTTP/1.1 is supported for the WebSocket handshake (RFC 6455 §4.1).");
        }

        // RFC 6455 §4.2.1 item 2 and RFC 7230 §5.4: exactly one Host, else 400.
        if (headers.GetAll("Host").Count != 1)
        {
            return Reject(400, "The request must have exactly one Host header (RFC 7230 §5.4).");
        }

        // RFC 6455 §4.2.1 item 3. A request without Upgrade is plain HTTP: 426 tells it what to speak.
        if (!headers.ContainsToken("Upgrade", "websocket"))
        {
            return RejectUpgradeRequired(headers.Contains("Upgrade")
                ? "The Upgrade header must contain \"websocket\" (RFC 6455 §4.2.1)."
                : "This endpoint speaks WebSocket only: send an Upgrade: websocket request (RFC 6455 §4.2.1).");
        }

        // RFC 6455 §4.2.1 item 4: Connection holds the token "Upgrade", compared case-insensitively.
        if (!headers.ContainsToken("Connection", "Upgrade"))
        {
            return Reject(400, "The Connection header must contain \"Upgrade\" (RFC 6455 §4.2.1).");
        }

        // RFC 6455 §4.2.1 item 6 and §4.4: another version gets 426 and the versions we speak.
        IReadOnlyList<string> versions = headers.GetAll("Sec-WebSocket-Version");
        if (versions.Count != 1 || versions[0] != SupportedVersion)
        {
            return RejectUpgradeRequired(versions.Count == 0
                ? "The Sec-WebSocket-Version header is missing; this server speaks version 13 (RFC 6455 §4.4)."
                : "This server speaks WebSocket version 13 only (RFC 6455 §4.4).");
        }

        // RFC 6455 §4.2.1 item 5: a base64 value that decodes to 16 bytes.
        IReadOnlyList<string> keys = headers.GetAll("Sec-WebSocket-Key");
        if (keys.Count != 1 || !WebSocketKey.IsValid(keys[0]))
        {
            return Reject(400, keys.Count == 0
                ? "The Sec-WebSocket-Key header is missing (RFC 6455 §4.2.1)."
                : "The Sec-WebSocket-Key header must be one base64 value of 16 bytes (RFC 6455 §4.2.1).");
        }

        IReadOnlyList<string> offeredSubprotocols = request.OfferedSubprotocols;
        foreach (string offered in offeredSubprotocols)
        {
            if (!HttpSyntax.IsToken(offered))
            {
                return Reject(400, "The Sec-WebSocket-Protocol header must be a list of tokens (RFC 6455 §4.1 item 10).");
            }
        }

        if (!request.TryGetOfferedExtensions(out IReadOnlyList<ExtensionOffer> offeredExtensions))
        {
            return Reject(400, "The Sec-WebSocket-Extensions header is malformed (RFC 6455 §9.1).");
        }

        // RFC 6455 §10.2: a server that checks origins answers a refused one with 403.
        if (Origins is { } origins && !origins.IsAllowed(request.Origin))
        {
            return Reject(403, request.Origin is null
                ? "This server requires an Origin header."
                : "This origin is not allowed to open a WebSocket here (RFC 6455 §10.2).");
        }

        string? subprotocol = SelectSubprotocol(request, offeredSubprotocols);
        PerMessageDeflate? compression = null;
        ExtensionOffer? compressionResponse = null;
        if (Compression is not null)
        {
            if (PerMessageDeflate.IsSupported)
            {
                PerMessageDeflate.TryAccept(offeredExtensions, Compression, out compression, out compressionResponse);
            }

            offeredExtensions = offeredExtensions.Where(offer => !PerMessageDeflate.IsDeflate(offer)).ToList();
        }

        IReadOnlyList<ExtensionOffer> extensions = SelectExtensions(request, offeredExtensions);
        if (compressionResponse is not null)
        {
            extensions = [compressionResponse, .. extensions];
        }

        HandshakeResponse response = HandshakeResponse.CreateAccept(keys[0], subprotocol, extensions);
        if (_serverHeader is not null)
        {
            response.Headers.AddUnchecked("Server", _serverHeader);
        }

        if (_extraHeaders is not null)
        {
            response.Headers.AddRange(_extraHeaders);
        }

        return ServerHandshakeResult.Accepted(response, subprotocol, extensions, compression);
    }

    /// <summary>
    /// Turns a parse failure of the request head into a rejection, so the caller answers it like any
    /// other failed handshake (RFC 6455 §4.2.2: "return an HTTP response with an appropriate error code").
    /// </summary>
    /// <param name="error">The error from <see cref="HttpMessageParser.ParseRequest"/>.</param>
    /// <returns>The rejected result with the error's status and reason.</returns>
    /// <exception cref="ArgumentException"><paramref name="error"/> is <c>default</c> (no error).</exception>
    public ServerHandshakeResult Reject(HttpParseError error)
    {
        if (!error.IsError)
        {
            throw new ArgumentException("The error must describe an error, not default(HttpParseError).", nameof(error));
        }

        return Reject(error.StatusCode, error.Reason ?? string.Empty);
    }

    private ServerHandshakeResult Reject(int statusCode, string reason, HttpHeaders? headers = null)
    {
        HandshakeResponse response = HandshakeResponse.CreateError(statusCode, reason, headers);
        if (_serverHeader is not null)
        {
            response.Headers.AddUnchecked("Server", _serverHeader);
        }

        return ServerHandshakeResult.Rejected(response, reason);
    }

    /// <summary>
    /// 426 Upgrade Required: RFC 7231 §6.5.15 requires an Upgrade header, RFC 7230 §6.7 a Connection
    /// option for it, and RFC 6455 §4.4 the versions the server speaks.
    /// </summary>
    private ServerHandshakeResult RejectUpgradeRequired(string reason)
    {
        var headers = new HttpHeaders();
        headers.AddUnchecked("Upgrade", "websocket");
        headers.AddUnchecked("Connection", "Upgrade, close");
        headers.AddUnchecked("Sec-WebSocket-Version", SupportedVersion);
        return Reject(426, reason, headers);
    }

    private string? SelectSubprotocol(HandshakeRequest request, IReadOnlyList<string> offered)
    {
        if (offered.Count == 0)
        {
            return null;
        }

        if (SubprotocolSelector is not null)
        {
            string? selected = SubprotocolSelector(request, offered);

            // RFC 6455 §4.2.2 step 5, sub-item 4: the server selects "one or none" of the client's values.
            if (selected is not null && !Contains(offered, selected))
            {
                throw new InvalidOperationException($"The subprotocol selector returned \"{selected}\", which the client did not offer.");
            }

            return selected;
        }

        foreach (string supported in _supportedSubprotocols)
        {
            if (Contains(offered, supported))
            {
                return supported;
            }
        }

        return null;
    }

    private IReadOnlyList<ExtensionOffer> SelectExtensions(HandshakeRequest request, IReadOnlyList<ExtensionOffer> offered)
    {
        if (offered.Count == 0 || ExtensionSelector is null)
        {
            return Array.Empty<ExtensionOffer>();
        }

        IReadOnlyList<ExtensionOffer> accepted = ExtensionSelector(request, offered)
            ?? throw new InvalidOperationException("The extension selector returned null; return an empty list to decline every offer.");
        foreach (ExtensionOffer extension in accepted)
        {
            // RFC 6455 §9.1: the server's list may only hold extensions the client offered.
            bool wasOffered = false;
            foreach (ExtensionOffer offer in offered)
            {
                wasOffered |= string.Equals(offer.Name, extension?.Name, StringComparison.OrdinalIgnoreCase);
            }

            if (!wasOffered)
            {
                throw new InvalidOperationException($"The extension selector accepted \"{extension?.Name}\", which the client did not offer.");
            }
        }

        return accepted;
    }

    /// <summary>Subprotocol names compare exactly, as browsers compare them.</summary>
    private static bool Contains(IReadOnlyList<string> list, string value)
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
