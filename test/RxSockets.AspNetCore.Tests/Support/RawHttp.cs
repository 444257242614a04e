using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace RxSockets.AspNetCore.Tests;

/// <summary>An HTTP/1.1 exchange written byte for byte: the request as given, the answer read until the server closes or the body ends.</summary>
internal static class RawHttp
{
    /// <summary>A handshake request for <paramref name="path"/> with the given extra header lines (each ending in CRLF).</summary>
    public static string Handshake(string path, string headers = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", string method = "GET") =>
        $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{headers}\r\n";

    /// <summary>Sends <paramref name="request"/> and returns the status line, the headers and the body.</summary>
    public static async Task<(string StatusLine, Dictionary<string, string> Headers, string Body)> SendAsync(IPEndPoint server, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server).WaitAsync(KestrelApp.Wait);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer).WaitAsync(KestrelApp.Wait);
            if (n == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, n));
            if (TryParse(received, out var answer))
            {
                return answer;
            }
        }

        return TryParse(received, out var last) ? last : (last.Item1, last.Item2, Encoding.UTF8.GetString(received.ToArray()));
    }

    private static bool TryParse(List<byte> bytes, out (string, Dictionary<string, string>, string) answer)
    {
        string text = Encoding.UTF8.GetString(bytes.ToArray());
        answer = (string.Empty, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), string.Empty);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        string[] lines = text[..end].Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines[1..])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string name = line[..colon];
            string value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out string? before) ? before + ", " + value : value;
        }

        string body = text[(end + 4)..];
        answer = (lines[0], headers, body);
        if (lines[0].Contains(" 101 ", StringComparison.Ordinal))
        {
            return true;
        }

        return headers.TryGetValue("Content-Length", out string? length) && Encoding.UTF8.GetByteCount(body) >= int.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
    }
}
