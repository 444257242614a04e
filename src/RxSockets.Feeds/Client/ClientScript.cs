using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>The browser client (Client/feeds.js, embedded) and its HTTP answer.</summary>
internal static class ClientScript
{
    private static readonly Lazy<byte[]> s_script = new(Load);

    /// <summary>The module as UTF-8 bytes.</summary>
    public static ReadOnlyMemory<byte> Bytes => s_script.Value;

    /// <summary>The answer to a plain <c>GET</c> of <see cref="FeedHub.ClientScriptPath"/>, or <see langword="null"/> for any other request.</summary>
    public static HandshakeResponse? Answer(HandshakeRequest request)
    {
        if (request.Method != "GET" || request.Path != FeedHub.ClientScriptPath || request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return null;
        }

        var headers = new HttpHeaders();
        headers.Add("Content-Type", "text/javascript; charset=utf-8");
        headers.Add("Content-Length", Bytes.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Cache-Control", "no-cache");
        headers.Add("X-Content-Type-Options", "nosniff");
        headers.Add("Connection", "close"); // the server closes after a plain HTTP answer
        return new HandshakeResponse(200, "OK", headers, Bytes);
    }

    private static byte[] Load()
    {
        using Stream stream = typeof(ClientScript).Assembly.GetManifestResourceStream("RxSockets.Feeds.feeds.js")
            ?? throw new InvalidOperationException("The embedded client RxSockets.Feeds.feeds.js is missing.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
