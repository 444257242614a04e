using System;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// HTTP Basic authentication for the opening handshake (RFC 7617), as python websockets'
/// <c>basic_auth</c>: plug <see cref="Require"/> into <see cref="WebSocketServerOptions.ProcessRequest"/>.
/// </summary>
/// <remarks>
/// Basic credentials travel in clear text: use it over <c>wss://</c>. Stateless and thread-safe.
/// <code>
/// options.ProcessRequest = BasicAuthentication.Require("chat", (user, password, ct) =&gt;
///     ValueTask.FromResult(user == "ada" &amp;&amp; password == secret));
/// </code>
/// </remarks>
public static class BasicAuthentication
{
    /// <summary>
    /// A request hook that answers 401 with <c>WWW-Authenticate: Basic realm="…"</c> unless the
    /// request carries credentials that <paramref name="check"/> accepts, then lets the handshake go on.
    /// </summary>
    /// <param name="realm">The protection space shown by browsers.</param>
    /// <param name="check">Decides whether a user name and password are valid.</param>
    /// <returns>The hook.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="realm"/> contains a double quote or a control character.</exception>
    public static Func<HandshakeRequest, CancellationToken, ValueTask<HandshakeResponse?>> Require(
        string realm, Func<string, string, CancellationToken, ValueTask<bool>> check)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(check);
        foreach (char c in realm)
        {
            if (c == '"' || c == '\\' || char.IsControl(c))
            {
                throw new ArgumentException("The realm may not contain quotes, backslashes or control characters.", nameof(realm));
            }
        }

        return async (request, cancellationToken) =>
        {
            if (TryGetCredentials(request, out string? user, out string? password)
                && await check(user, password, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var headers = new HttpHeaders();
            headers.Add("WWW-Authenticate", $"Basic realm=\"{realm}\", charset=\"UTF-8\"");
            return HandshakeResponse.CreateError(401, request.Headers.Contains("Authorization") ? "Invalid credentials." : "Missing credentials.", headers);
        };
    }

    /// <summary>Reads Basic credentials from a request's <c>Authorization</c> header (for handlers that need the user name).</summary>
    /// <param name="request">The handshake request.</param>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <returns>Whether well-formed Basic credentials were present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public static bool TryGetCredentials(HandshakeRequest request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? user, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? password)
    {
        ArgumentNullException.ThrowIfNull(request);
        user = password = null;
        string? header = request.Headers.GetFirst("Authorization");
        if (header is null || !AuthenticationHeaderValue.TryParse(header, out AuthenticationHeaderValue? value)
            || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || value.Parameter is null)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Parameter);
        }
        catch (FormatException)
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        user = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }

    /// <summary>The <c>Authorization</c> header value for a user name and password (used by the client for <c>ws://user:password@host/</c>).</summary>
    /// <param name="user">The user name (no colon).</param>
    /// <param name="password">The password.</param>
    /// <returns>"Basic " and the base64 of "user:password" in UTF-8.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="user"/> contains a colon.</exception>
    public static string HeaderValue(string user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A Basic user name cannot contain ':' (RFC 7617 §2).", nameof(user));
        }

        return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
    }
}
