using System;
using System.Collections.Generic;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// One element of <c>Sec-WebSocket-Extensions</c>: an extension name and its ordered parameters,
/// such as <c>permessage-deflate; client_max_window_bits; server_max_window_bits=10</c>
/// (RFC 6455 §9.1). The same shape serves the client's offers and the server's acceptance.
/// </summary>
/// <remarks>
/// <para>The grammar, from RFC 6455 §9.1 with the list rule of RFC 7230 §7:</para>
/// <code>
/// Sec-WebSocket-Extensions = 1#extension
/// extension       = extension-token *( OWS ";" OWS extension-param )
/// extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
/// </code>
/// <para>A quoted value must be a token once unescaped; it is written back unquoted.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class ExtensionOffer
{
    /// <summary>Creates an extension element.</summary>
    /// <param name="name">The extension name, a token such as <c>permessage-deflate</c>.</param>
    /// <param name="parameters">The parameters in order, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a token, or a parameter is <c>default</c>.</exception>
    public ExtensionOffer(string name, IEnumerable<ExtensionParameter>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!HttpSyntax.IsToken(name))
        {
            throw new ArgumentException("An extension name must be a token (RFC 6455 §9.1).", nameof(name));
        }

        var list = new List<ExtensionParameter>();
        if (parameters is not null)
        {
            foreach (ExtensionParameter parameter in parameters)
            {
                if (parameter.Name is null)
                {
                    throw new ArgumentException("A parameter cannot be default(ExtensionParameter).", nameof(parameters));
                }

                list.Add(parameter);
            }
        }

        Name = name;
        Parameters = list;
    }

    /// <summary>The extension name, such as <c>permessage-deflate</c>.</summary>
    public string Name { get; }

    /// <summary>The parameters in the order they were written; names may repeat.</summary>
    public IReadOnlyList<ExtensionParameter> Parameters { get; }

    /// <summary>Looks up the first parameter named <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">Its value, or <see langword="null"/> when absent or valueless.</param>
    /// <returns><see langword="true"/> when the parameter is present, with or without a value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool TryGetParameter(string name, out string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (ExtensionParameter parameter in Parameters)
        {
            if (string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = parameter.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Returns the element as written in the header.</summary>
    /// <returns>For example <c>permessage-deflate; client_max_window_bits</c>.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(Name);
        foreach (ExtensionParameter parameter in Parameters)
        {
            builder.Append("; ").Append(parameter.ToString());
        }

        return builder.ToString();
    }

    /// <summary>Formats a whole <c>Sec-WebSocket-Extensions</c> value: the elements joined by <c>", "</c>.</summary>
    /// <param name="extensions">The elements in order.</param>
    /// <returns>The header value; empty for an empty list.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="extensions"/> or one of its elements is null.</exception>
    public static string FormatList(IEnumerable<ExtensionOffer> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var builder = new StringBuilder();
        foreach (ExtensionOffer extension in extensions)
        {
            ArgumentNullException.ThrowIfNull(extension, nameof(extensions));
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            builder.Append(extension.ToString());
        }

        return builder.ToString();
    }

    /// <summary>
    /// Parses every line of a <c>Sec-WebSocket-Extensions</c> header into one list: several lines are
    /// one comma-separated list (RFC 7230 §3.2.2), and empty list elements are skipped (RFC 7230 §7).
    /// </summary>
    /// <param name="headerValues">The values of every <c>Sec-WebSocket-Extensions</c> line, in order.</param>
    /// <param name="extensions">The elements in order; empty on failure.</param>
    /// <returns><see langword="false"/> when a line does not follow the grammar.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="headerValues"/> or one of its values is null.</exception>
    public static bool TryParseList(IEnumerable<string> headerValues, out IReadOnlyList<ExtensionOffer> extensions)
    {
        ArgumentNullException.ThrowIfNull(headerValues);
        var list = new List<ExtensionOffer>();
        foreach (string value in headerValues)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(headerValues));
            if (!TryParseLine(value, list))
            {
                extensions = Array.Empty<ExtensionOffer>();
                return false;
            }
        }

        extensions = list;
        return true;
    }

    private static bool TryParseLine(string line, List<ExtensionOffer> into)
    {
        int i = 0;
        while (true)
        {
            SkipWhitespaceAndCommas(line, ref i);
            if (i == line.Length)
            {
                return true;
            }

            string? name = ReadToken(line, ref i);
            if (name is null)
            {
                return false;
            }

            var parameters = new List<ExtensionParameter>();
            SkipWhitespace(line, ref i);
            while (i < line.Length && line[i] == ';')
            {
                i++;
                SkipWhitespace(line, ref i);
                string? parameterName = ReadToken(line, ref i);
                if (parameterName is null)
                {
                    return false;
                }

                string? parameterValue = null;
                SkipWhitespace(line, ref i);
                if (i < line.Length && line[i] == '=')
                {
                    i++;
                    SkipWhitespace(line, ref i);
                    parameterValue = i < line.Length && line[i] == '"' ? ReadQuotedToken(line, ref i) : ReadToken(line, ref i);
                    if (parameterValue is null)
                    {
                        return false;
                    }

                    SkipWhitespace(line, ref i);
                }

                parameters.Add(new ExtensionParameter(parameterName, parameterValue));
            }

            if (i < line.Length && line[i] != ',')
            {
                return false;
            }

            into.Add(new ExtensionOffer(name, parameters));
        }
    }

    private static void SkipWhitespace(string line, ref int i)
    {
        while (i < line.Length && HttpSyntax.IsWhitespace(line[i]))
        {
            i++;
        }
    }

    private static void SkipWhitespaceAndCommas(string line, ref int i)
    {
        while (i < line.Length && (line[i] == ',' || HttpSyntax.IsWhitespace(line[i])))
        {
            i++;
        }
    }

    private static string? ReadToken(string line, ref int i)
    {
        int start = i;
        while (i < line.Length && HttpSyntax.IsTokenChar(line[i]))
        {
            i++;
        }

        return i == start ? null : line[start..i];
    }

    /// <summary>
    /// Reads a quoted-string (RFC 7230 §3.2.6) starting at the opening quote and returns its unescaped
    /// content, which RFC 6455 §9.1 requires to be a token; <see langword="null"/> otherwise.
    /// </summary>
    private static string? ReadQuotedToken(string line, ref int i)
    {
        var builder = new StringBuilder();
        i++; // opening quote
        while (i < line.Length)
        {
            char c = line[i++];
            if (c == '"')
            {
                string value = builder.ToString();
                return HttpSyntax.IsToken(value) ? value : null;
            }

            if (c == '\\')
            {
                if (i == line.Length)
                {
                    return null;
                }

                c = line[i++];
            }

            builder.Append(c);
        }

        return null; // no closing quote
    }
}
