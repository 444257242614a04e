using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// The header fields of an HTTP/1.1 message, in the order they were added: names compare
/// case-insensitively (RFC 7230 §3.2), and a name may occur on several lines.
/// </summary>
/// <remarks>
/// <para>
/// Several lines with the same name are equivalent to one line whose value is their values joined by
/// commas (RFC 7230 §3.2.2), so list-valued headers such as <c>Connection</c>,
/// <c>Sec-WebSocket-Protocol</c> and <c>Sec-WebSocket-Extensions</c> should be read with
/// <see cref="GetTokens(string)"/> or <see cref="ContainsToken(string, string)"/>, which look at all lines.
/// </para>
/// <para>
/// Values are ISO-8859-1 (Latin-1) strings: the parser decodes every byte as one char, and the
/// writer encodes every char as one byte. <see cref="Add(string, string)"/> refuses names that are
/// not tokens and values with CR, LF or other control characters, so a collection can never be used to
/// inject header lines.
/// </para>
/// <para>Not thread-safe: an instance may be read concurrently only once nobody adds to it.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "HTTP calls these headers; the name mirrors System.Net.Http.Headers.HttpHeaders.")]
public sealed class HttpHeaders : IReadOnlyCollection<KeyValuePair<string, string>>
{
    /// <summary>The fields in arrival order; every name is a token and every value a trimmed field value.</summary>
    private readonly List<KeyValuePair<string, string>> _fields = new();

    /// <summary>Creates an empty collection.</summary>
    public HttpHeaders()
    {
    }

    /// <summary>The number of header lines (not of distinct names).</summary>
    /// <returns>The count of fields added so far.</returns>
    public int Count => _fields.Count;

    /// <summary>Adds a header line after the existing ones; an existing line with the same name is kept.</summary>
    /// <param name="name">The field name: a token (RFC 7230 §3.2.6).</param>
    /// <param name="value">The field value; leading and trailing SP/HTAB are trimmed (RFC 7230 §3.2.4).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="name"/> is not a token, or <paramref name="value"/> holds CR, LF, another
    /// control character or a char above U+00FF.
    /// </exception>
    public void Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!HttpSyntax.IsToken(name))
        {
            throw new ArgumentException($"The header name \"{name}\" is not an HTTP token (RFC 7230 §3.2.6).", nameof(name));
        }

        if (!HttpSyntax.IsFieldValue(value))
        {
            throw new ArgumentException(
                $"The value of header \"{name}\" holds CR, LF, another control character or a char above U+00FF.",
                nameof(value));
        }

        ReadOnlySpan<char> trimmed = HttpSyntax.TrimWhitespace(value);
        AddUnchecked(name, trimmed.Length == value.Length ? value : trimmed.ToString());
    }

    /// <summary>Adds every line of <paramref name="headers"/> after the existing ones.</summary>
    /// <param name="headers">The lines to copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
    public void AddRange(HttpHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _fields.AddRange(headers._fields);
    }

    /// <summary>Whether at least one line has the name <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The field name.</param>
    /// <returns><see langword="true"/> when the header is present, even with an empty value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IndexOf(name, 0) >= 0;
    }

    /// <summary>The value of the first line named <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The field name.</param>
    /// <returns>The first value, or <see langword="null"/> when no line has that name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public string? GetFirst(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = IndexOf(name, 0);
        return index < 0 ? null : _fields[index].Value;
    }

    /// <summary>The values of every line named <paramref name="name"/>, in order, as sent.</summary>
    /// <param name="name">The field name.</param>
    /// <returns>The values; empty when no line has that name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public IReadOnlyList<string> GetAll(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        List<string>? values = null;
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            (values ??= new List<string>()).Add(_fields[i].Value);
        }

        return values is null ? Array.Empty<string>() : values;
    }

    /// <summary>
    /// The elements of the comma-separated list formed by every line named <paramref name="name"/>
    /// (RFC 7230 §3.2.2 and §7): trimmed, empty elements skipped, commas inside quoted strings kept.
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <returns>The elements in order, quotes kept; empty when no line has that name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public IReadOnlyList<string> GetTokens(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var tokens = new List<string>();
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            HttpSyntax.SplitList(_fields[i].Value, tokens);
        }

        return tokens;
    }

    /// <summary>
    /// Whether the comma-separated list formed by every line named <paramref name="name"/> holds
    /// <paramref name="token"/>, compared case-insensitively (as RFC 6455 §4.2.1 requires for
    /// <c>Upgrade: websocket</c> and <c>Connection: Upgrade</c>).
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <param name="token">The element to look for.</param>
    /// <returns><see langword="true"/> when one element equals <paramref name="token"/> ignoring ASCII case.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="token"/> is null.</exception>
    public bool ContainsToken(string name, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        foreach (string element in GetTokens(name))
        {
            if (string.Equals(element, token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns an enumerator over the lines in order, as name/value pairs.</summary>
    /// <returns>The enumerator.</returns>
    public List<KeyValuePair<string, string>>.Enumerator GetEnumerator() => _fields.GetEnumerator();

    /// <inheritdoc/>
    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns the lines as they would be written, one <c>Name: value</c> per line.</summary>
    /// <returns>The header block without the final empty line.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        AppendTo(builder);
        return builder.ToString();
    }

    /// <summary>Adds a line whose name and value the caller has already validated (the parser).</summary>
    internal void AddUnchecked(string name, string value) => _fields.Add(new KeyValuePair<string, string>(name, value));

    /// <summary>Appends every line as <c>Name: value</c> followed by CRLF.</summary>
    internal void AppendTo(StringBuilder builder)
    {
        foreach (KeyValuePair<string, string> field in _fields)
        {
            builder.Append(field.Key).Append(": ").Append(field.Value).Append("\r\n");
        }
    }

    private int IndexOf(string name, int start)
    {
        for (int i = start; i < _fields.Count; i++)
        {
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// A copy of <paramref name="value"/> for a handshake's extra headers, refusing the names the
    /// handshake writes itself (shared by <see cref="ServerHandshake"/> and <see cref="ClientHandshake"/>).
    /// </summary>
    /// <param name="value">The caller's headers, or <see langword="null"/>.</param>
    /// <param name="reserved">The names that may not appear.</param>
    /// <returns>The copy, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">A header has a reserved name.</exception>
    internal static HttpHeaders? CopyExtra(HttpHeaders? value, string[] reserved)
    {
        if (value is null)
        {
            return null;
        }

        foreach (KeyValuePair<string, string> header in value)
        {
            if (Array.Exists(reserved, name => string.Equals(name, header.Key, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"The header \"{header.Key}\" is written by the handshake itself and cannot be an extra header.", nameof(value));
            }
        }

        var copy = new HttpHeaders();
        copy.AddRange(value);
        return copy;
    }
}
