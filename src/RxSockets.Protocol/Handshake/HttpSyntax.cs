using System;
using System.Collections.Generic;

namespace RxSockets.Protocol;

/// <summary>
/// The pieces of the HTTP/1.1 grammar (RFC 7230 §3.2, §3.2.6, §7) that the opening handshake needs:
/// character classes for tokens and field values, and the comma-separated list rule.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class HttpSyntax
{
    /// <summary>The 128-bit map of ASCII tchar (RFC 7230 §3.2.6), indexed by byte value.</summary>
    private static readonly bool[] s_tokenChars = BuildTokenChars();

    private static bool[] BuildTokenChars()
    {
        var map = new bool[128];
        for (int c = '0'; c <= '9'; c++)
        {
            map[c] = true;
        }

        for (int c = 'A'; c <= 'Z'; c++)
        {
            map[c] = true;
            map[c + 32] = true;
        }

        foreach (char c in "!#$%&'*+-.^_`|~")
        {
            map[c] = true;
        }

        return map;
    }

    /// <summary>Whether <paramref name="c"/> is a tchar (RFC 7230 §3.2.6).</summary>
    public static bool IsTokenChar(int c) => (uint)c < 128 && s_tokenChars[c];

    /// <summary>Whether <paramref name="value"/> is a non-empty token (RFC 7230 §3.2.6).</summary>
    public static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> is a non-empty token (RFC 7230 §3.2.6).</summary>
    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="c"/> may appear inside a field value: field-vchar, SP or HTAB
    /// (RFC 7230 §3.2: VCHAR / obs-text). Every other control character, DEL included, is refused.
    /// </summary>
    public static bool IsFieldValueChar(int c) => c == '\t' || (c >= 0x20 && c != 0x7F && c <= 0xFF);

    /// <summary>Whether <paramref name="c"/> is optional whitespace, SP or HTAB (RFC 7230 §3.2.3).</summary>
    public static bool IsWhitespace(int c) => c == ' ' || c == '\t';

    /// <summary>Whether every char of <paramref name="value"/> is a field-value char (so no CR, LF or NUL).</summary>
    public static bool IsFieldValue(ReadOnlySpan<char> value)
    {
        foreach (char c in value)
        {
            if (!IsFieldValueChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Trims optional whitespace (SP and HTAB, RFC 7230 §3.2.3) from both ends.</summary>
    public static ReadOnlySpan<char> TrimWhitespace(ReadOnlySpan<char> value) => value.Trim(" \t");

    /// <summary>
    /// Splits one field value by the list rule (RFC 7230 §7): elements are separated by commas with
    /// optional whitespace around them; empty elements are skipped, as recipients must accept them;
    /// commas inside a quoted-string (with its backslash escapes) do not split. Elements keep their
    /// quotes: their inner syntax belongs to the header that uses the list.
    /// </summary>
    /// <param name="value">One field value.</param>
    /// <param name="into">Receives the trimmed, non-empty elements.</param>
    public static void SplitList(string value, List<string> into)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= value.Length; i++)
        {
            if (i == value.Length || (!quoted && value[i] == ','))
            {
                ReadOnlySpan<char> element = TrimWhitespace(value.AsSpan(start, i - start));
                if (!element.IsEmpty)
                {
                    into.Add(element.Length == i - start ? value.Substring(start, i - start) : element.ToString());
                }

                start = i + 1;
            }
            else if (value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (quoted && value[i] == '\\')
            {
                i++; // quoted-pair: the next char is literal, even a quote or a comma.
            }
        }
    }
}
