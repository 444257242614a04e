using System;
using System.Collections.Generic;
using System.Globalization;

namespace RxSockets.Protocol;

/// <summary>
/// permessage-deflate (RFC 7692) as negotiated for one connection: which side resets its
/// compression context after each message and the largest LZ77 window each side compresses
/// with, plus this endpoint's local <see cref="Options"/>. Also the negotiation itself:
/// <see cref="CreateOffer"/> (client), <see cref="TryAccept"/> (server) and
/// <see cref="TryAcceptResponse"/> (client).
/// </summary>
/// <remarks>
/// <para>
/// Pass the negotiated value to <see cref="ProtocolConnection"/>: it then sends messages at or
/// above <see cref="PerMessageDeflateOptions.Threshold"/> compressed (RSV1 on the first frame,
/// RFC 7692 §6), inflates compressed messages while enforcing
/// <see cref="ProtocolLimits.MaxMessageSize"/> on the inflated size, and never uses a window or a
/// context the agreement does not allow. <see cref="ServerHandshake"/> and
/// <see cref="ClientHandshake"/> negotiate it when their <c>Compression</c> property is set.
/// </para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class PerMessageDeflate
{
    /// <summary>The extension token, <c>permessage-deflate</c>.</summary>
    public const string ExtensionName = "permessage-deflate";

    private const string ServerNoContextTakeoverName = "server_no_context_takeover";
    private const string ClientNoContextTakeoverName = "client_no_context_takeover";
    private const string ServerMaxWindowBitsName = "server_max_window_bits";
    private const string ClientMaxWindowBitsName = "client_max_window_bits";

    /// <summary>Backs <see cref="IsSupported"/>: probed once.</summary>
    private static readonly Lazy<bool> s_isSupported = new(Probe);

    private PerMessageDeflate(bool serverNoContextTakeover, bool clientNoContextTakeover, int serverMaxWindowBits, int clientMaxWindowBits, PerMessageDeflateOptions options)
    {
        ServerNoContextTakeover = serverNoContextTakeover;
        ClientNoContextTakeover = clientNoContextTakeover;
        ServerMaxWindowBits = serverMaxWindowBits;
        ClientMaxWindowBits = clientMaxWindowBits;
        Options = options;
    }

    /// <summary>
    /// Whether the runtime's zlib (<c>System.IO.Compression.Native</c>) can be called. When it
    /// cannot, the handshakes neither offer nor accept permessage-deflate.
    /// </summary>
    public static bool IsSupported => s_isSupported.Value;

    /// <summary>Whether the server resets its compression context after every message (<c>server_no_context_takeover</c>).</summary>
    public bool ServerNoContextTakeover { get; }

    /// <summary>Whether the client resets its compression context after every message (<c>client_no_context_takeover</c>).</summary>
    public bool ClientNoContextTakeover { get; }

    /// <summary>The largest LZ77 window the server compresses with, 8–15 (15 when not negotiated).</summary>
    public int ServerMaxWindowBits { get; }

    /// <summary>The largest LZ77 window the client compresses with, 8–15 (15 when not negotiated).</summary>
    public int ClientMaxWindowBits { get; }

    /// <summary>This endpoint's settings: compression level, memory level, threshold.</summary>
    public PerMessageDeflateOptions Options { get; }

    /// <summary>Builds the client's offer from <paramref name="options"/> (RFC 7692 §7.1).</summary>
    /// <param name="options">What to ask for.</param>
    /// <returns>For the defaults, <c>permessage-deflate; client_max_window_bits</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public static ExtensionOffer CreateOffer(PerMessageDeflateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parameters = new List<ExtensionParameter>(4);
        if (!options.ServerContextTakeover)
        {
            parameters.Add(new ExtensionParameter(ServerNoContextTakeoverName));
        }

        if (!options.ClientContextTakeover)
        {
            parameters.Add(new ExtensionParameter(ClientNoContextTakeoverName));
        }

        if (options.ServerMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            parameters.Add(new ExtensionParameter(ServerMaxWindowBitsName, Format(options.ServerMaxWindowBits)));
        }

        // §7.1.2.2: offered without a value, it only says the client can limit its window; always
        // offered so a server may ask for a smaller client window (and save its own memory).
        parameters.Add(new ExtensionParameter(
            ClientMaxWindowBitsName,
            options.ClientMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits ? Format(options.ClientMaxWindowBits) : null));
        return new ExtensionOffer(ExtensionName, parameters);
    }

    /// <summary>
    /// The server's choice (RFC 7692 §5, §7.1): the first permessage-deflate offer in
    /// <paramref name="offers"/> that it can honour, with the answer to send. Offers with unknown,
    /// repeated or invalid parameters are declined, and so is one that asks the server for an
    /// 8-bit window (zlib cannot compress with it; the answer may not raise the value).
    /// </summary>
    /// <param name="offers">The client's extension offers, in its order; other extensions are ignored.</param>
    /// <param name="options">The server's settings.</param>
    /// <param name="agreed">The negotiated parameters when an offer was accepted.</param>
    /// <param name="response">The <c>Sec-WebSocket-Extensions</c> element to answer with.</param>
    /// <returns>Whether an offer was accepted; <see langword="false"/> when every offer was declined or none was made.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="offers"/> or <paramref name="options"/> is null.</exception>
    public static bool TryAccept(IReadOnlyList<ExtensionOffer> offers, PerMessageDeflateOptions options, out PerMessageDeflate? agreed, out ExtensionOffer? response)
    {
        ArgumentNullException.ThrowIfNull(offers);
        ArgumentNullException.ThrowIfNull(options);
        foreach (ExtensionOffer offer in offers)
        {
            if (offer is not null && IsDeflate(offer) && TryAcceptOne(offer, options, out agreed, out response))
            {
                return true;
            }
        }

        agreed = null;
        response = null;
        return false;
    }

    /// <summary>
    /// The client's check of the server's answer (RFC 7692 §7.1) against what
    /// <see cref="CreateOffer"/> offered for <paramref name="options"/>. Fails on unknown, repeated
    /// or invalid parameters, on a missing <c>server_no_context_takeover</c> or
    /// <c>server_max_window_bits</c> that was asked for, on a window larger than offered, and on
    /// <c>client_max_window_bits=8</c>, which zlib cannot honour.
    /// </summary>
    /// <param name="response">The server's <c>permessage-deflate</c> element.</param>
    /// <param name="options">The client's settings, as offered.</param>
    /// <param name="agreed">The negotiated parameters on success.</param>
    /// <param name="error">Why the answer cannot be honoured, on failure.</param>
    /// <returns>Whether the answer is acceptable.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> or <paramref name="options"/> is null.</exception>
    public static bool TryAcceptResponse(ExtensionOffer response, PerMessageDeflateOptions options, out PerMessageDeflate? agreed, out string? error)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        agreed = null;
        if (!IsDeflate(response))
        {
            error = $"\"{response.Name}\" is not {ExtensionName}.";
            return false;
        }

        if (!TryParse(response, isOffer: false, out Parameters p, out error))
        {
            return false;
        }

        if (!options.ServerContextTakeover && !p.ServerNoContextTakeover)
        {
            error = $"The server did not accept {ServerNoContextTakeoverName}, which was asked for (RFC 7692 §7.1.1.1).";
            return false;
        }

        bool askedServerWindow = options.ServerMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits;
        if (askedServerWindow && (p.ServerMaxWindowBits is null || p.ServerMaxWindowBits > options.ServerMaxWindowBits))
        {
            error = $"The server did not accept {ServerMaxWindowBitsName}={options.ServerMaxWindowBits} (RFC 7692 §7.1.2.1).";
            return false;
        }

        int clientWindow = options.ClientMaxWindowBits;
        if (p.ClientMaxWindowBits is int asked)
        {
            if (asked < PerMessageDeflateOptions.MinWindowBits)
            {
                error = $"The server asked for {ClientMaxWindowBitsName}={asked}; zlib cannot compress with an 8-bit window (RFC 7692 §7.1.2.2).";
                return false;
            }

            if (asked > options.ClientMaxWindowBits && options.ClientMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
            {
                error = $"The server answered {ClientMaxWindowBitsName}={asked}, above the {options.ClientMaxWindowBits} offered (RFC 7692 §7.1.2.2).";
                return false;
            }

            clientWindow = Math.Min(asked, clientWindow);
        }

        agreed = new PerMessageDeflate(
            p.ServerNoContextTakeover,
            p.ClientNoContextTakeover || !options.ClientContextTakeover,
            p.ServerMaxWindowBits ?? PerMessageDeflateOptions.MaxWindowBits,
            clientWindow,
            options);
        error = null;
        return true;
    }

    /// <summary>The answer element for these parameters, as a server sends it.</summary>
    /// <returns>For example <c>permessage-deflate; server_no_context_takeover; client_max_window_bits=12</c>.</returns>
    public ExtensionOffer ToResponse()
    {
        var parameters = new List<ExtensionParameter>(4);
        if (ServerNoContextTakeover)
        {
            parameters.Add(new ExtensionParameter(ServerNoContextTakeoverName));
        }

        if (ClientNoContextTakeover)
        {
            parameters.Add(new ExtensionParameter(ClientNoContextTakeoverName));
        }

        if (ServerMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            parameters.Add(new ExtensionParameter(ServerMaxWindowBitsName, Format(ServerMaxWindowBits)));
        }

        if (ClientMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            parameters.Add(new ExtensionParameter(ClientMaxWindowBitsName, Format(ClientMaxWindowBits)));
        }

        return new ExtensionOffer(ExtensionName, parameters);
    }

    /// <inheritdoc/>
    public override string ToString() => ToResponse().ToString();

    /// <summary>Whether <paramref name="extension"/> is permessage-deflate (names compare case-insensitively, RFC 6455 §9.1).</summary>
    internal static bool IsDeflate(ExtensionOffer extension) =>
        string.Equals(extension.Name, ExtensionName, StringComparison.OrdinalIgnoreCase);

    private static bool TryAcceptOne(ExtensionOffer offer, PerMessageDeflateOptions options, out PerMessageDeflate? agreed, out ExtensionOffer? response)
    {
        agreed = null;
        response = null;

        // RFC 7692 §5: "A server MUST decline an extension negotiation offer for this extension if
        // ... [it] contains an extension parameter not defined for use in an offer ... [or] with an
        // invalid value ... [or] multiple extension parameters with the same name".
        if (!TryParse(offer, isOffer: true, out Parameters p, out _))
        {
            return false;
        }

        // §7.1.2.1: the answer carries "the same or smaller value as the offer"; below 9 zlib cannot compress.
        int serverWindow = options.ServerMaxWindowBits;
        if (p.ServerMaxWindowBits is int requested)
        {
            if (requested < PerMessageDeflateOptions.MinWindowBits)
            {
                return false;
            }

            serverWindow = Math.Min(requested, serverWindow);
        }

        // §7.1.2.2: the server may lower the client's window only when the client offered the parameter.
        int clientWindow = PerMessageDeflateOptions.MaxWindowBits;
        if (p.ClientMaxWindowBitsOffered)
        {
            clientWindow = Math.Min(p.ClientMaxWindowBits ?? PerMessageDeflateOptions.MaxWindowBits, options.ClientMaxWindowBits);
        }

        agreed = new PerMessageDeflate(
            p.ServerNoContextTakeover || !options.ServerContextTakeover,
            p.ClientNoContextTakeover || !options.ClientContextTakeover,
            serverWindow,
            clientWindow,
            options);
        response = agreed.ToResponse();
        return true;
    }

    /// <summary>Reads the four RFC 7692 parameters; unknown, repeated or malformed ones fail.</summary>
    private static bool TryParse(ExtensionOffer extension, bool isOffer, out Parameters parsed, out string? error)
    {
        parsed = default;
        foreach (ExtensionParameter parameter in extension.Parameters)
        {
            string name = parameter.Name;
            if (string.Equals(name, ServerNoContextTakeoverName, StringComparison.OrdinalIgnoreCase))
            {
                if (parsed.ServerNoContextTakeover || parameter.Value is not null)
                {
                    return Invalid(parameter, out error);
                }

                parsed.ServerNoContextTakeover = true;
            }
            else if (string.Equals(name, ClientNoContextTakeoverName, StringComparison.OrdinalIgnoreCase))
            {
                if (parsed.ClientNoContextTakeover || parameter.Value is not null)
                {
                    return Invalid(parameter, out error);
                }

                parsed.ClientNoContextTakeover = true;
            }
            else if (string.Equals(name, ServerMaxWindowBitsName, StringComparison.OrdinalIgnoreCase))
            {
                if (parsed.ServerMaxWindowBits.HasValue || !TryParseWindowBits(parameter.Value, out int bits))
                {
                    return Invalid(parameter, out error);
                }

                parsed.ServerMaxWindowBits = bits;
            }
            else if (string.Equals(name, ClientMaxWindowBitsName, StringComparison.OrdinalIgnoreCase))
            {
                // §7.1.2.2: without a value only in an offer.
                if (parsed.ClientMaxWindowBitsOffered)
                {
                    return Invalid(parameter, out error);
                }

                if (parameter.Value is null && !isOffer)
                {
                    return Invalid(parameter, out error);
                }

                if (parameter.Value is not null)
                {
                    if (!TryParseWindowBits(parameter.Value, out int bits))
                    {
                        return Invalid(parameter, out error);
                    }

                    parsed.ClientMaxWindowBits = bits;
                }

                parsed.ClientMaxWindowBitsOffered = true;
            }
            else
            {
                return Invalid(parameter, out error);
            }
        }

        error = null;
        return true;
    }

    private static bool Invalid(ExtensionParameter parameter, out string error)
    {
        error = $"Unknown, repeated or invalid {ExtensionName} parameter \"{parameter}\" (RFC 7692 §7.1).";
        return false;
    }

    /// <summary>§7.1.2: a decimal integer from 8 to 15, no leading zeros or signs.</summary>
    private static bool TryParseWindowBits(string? value, out int bits)
    {
        bits = 0;
        if (value is null || value.Length is 0 or > 2 || value[0] == '0')
        {
            return false;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bits) && bits is >= 8 and <= 15;
    }

    private static string Format(int bits) => bits.ToString(CultureInfo.InvariantCulture);

    private static bool Probe()
    {
        try
        {
            using ZLibStreamHandle inflater = ZLibStreamHandle.CreateInflater(PerMessageDeflateOptions.MaxWindowBits);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Parameters as written in one offer or answer.</summary>
    private struct Parameters
    {
        public bool ServerNoContextTakeover;
        public bool ClientNoContextTakeover;
        public int? ServerMaxWindowBits;
        public int? ClientMaxWindowBits;
        public bool ClientMaxWindowBitsOffered;
    }
}
