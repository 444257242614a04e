using System;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// Shared string instances for the header names and values every handshake repeats ("Upgrade",
/// "websocket", "Sec-WebSocket-Version", "13", …), so a parsed request head does not keep its own
/// copies of them: a server keeps each connection's request for as long as the connection lives, and
/// these strings were most of its size. Anything else (the key, the host, cookies) is
/// decoded as before.
/// </summary>
internal static class KnownHttpStrings
{
    /// <summary>The shared strings, each also as its Latin-1 bytes; looked up by length and content (ordinal, case-sensitive).</summary>
    private static readonly (byte[] Bytes, string Value)[] Known = Build(
        // request line
        "GET", "/", "HTTP/1.1",
        // header names as browsers, clients and proxies send them (canonical and lower case)
        "Host", "host", "Connection", "connection", "Upgrade", "upgrade",
        "Sec-WebSocket-Key", "sec-websocket-key", "Sec-WebSocket-Version", "sec-websocket-version",
        "Sec-WebSocket-Extensions", "sec-websocket-extensions", "Sec-WebSocket-Protocol", "sec-websocket-protocol",
        "Origin", "origin", "User-Agent", "user-agent", "Pragma", "pragma", "Cache-Control", "cache-control",
        "Accept-Encoding", "accept-encoding", "Accept-Language", "accept-language", "Cookie", "cookie",
        "Authorization", "authorization", "X-Forwarded-For", "x-forwarded-for", "X-Forwarded-Proto", "x-forwarded-proto",
        // values
        "websocket", "WebSocket", "13", "keep-alive, Upgrade", "keep-alive, upgrade", "no-cache",
        "permessage-deflate", "permessage-deflate; client_max_window_bits", "gzip, deflate", "gzip, deflate, br", "gzip, deflate, br, zstd",
        "http", "https");

    /// <summary>Returns the shared instance when <paramref name="latin1"/> spells a known string; otherwise decodes it (Latin-1).</summary>
    /// <param name="latin1">The bytes, one char each.</param>
    /// <returns>The string.</returns>
    public static string Get(ReadOnlySpan<byte> latin1)
    {
        if (latin1.IsEmpty)
        {
            return string.Empty;
        }

        foreach ((byte[] bytes, string value) in Known)
        {
            if (bytes.Length == latin1.Length && bytes[0] == latin1[0] && latin1.SequenceEqual(bytes))
            {
                return value;
            }
        }

        return Encoding.Latin1.GetString(latin1);
    }

    private static (byte[] Bytes, string Value)[] Build(params string[] values)
    {
        var known = new (byte[], string)[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            known[i] = (Encoding.Latin1.GetBytes(values[i]), values[i]);
        }

        return known;
    }
}
