using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

using RxSockets.Protocol;

namespace ShowTime;

/// <summary>Serves index.html on <c>GET /</c> through <see cref="RxSockets.WebSocketServerOptions.ProcessRequest"/>.</summary>
public static class TimePage
{
    private static readonly Lazy<byte[]> s_html = new(Load);

    /// <summary>The page as UTF-8 bytes.</summary>
    public static ReadOnlyMemory<byte> Html => s_html.Value;

    /// <summary>
    /// The <c>ProcessRequest</c> hook: WebSocket upgrades go on (<see langword="null"/>); a plain
    /// <c>GET /</c> or <c>GET /index.html</c> gets the page; any other plain request gets 404.
    /// </summary>
    /// <param name="request">The request head.</param>
    /// <param name="cancellationToken">Unused: the answer is immediate.</param>
    /// <returns>The HTTP answer, or <see langword="null"/> to upgrade.</returns>
    public static ValueTask<HandshakeResponse?> ServeAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return ValueTask.FromResult<HandshakeResponse?>(null);
        }

        if (request.Method == "GET" && request.Path is "/" or "/index.html")
        {
            var headers = new HttpHeaders();
            headers.Add("Content-Type", "text/html; charset=utf-8");
            headers.Add("Content-Length", Html.Length.ToString(CultureInfo.InvariantCulture));
            headers.Add("Cache-Control", "no-cache");
            headers.Add("Connection", "close"); // the server closes after a plain HTTP answer
            return ValueTask.FromResult<HandshakeResponse?>(new HandshakeResponse(200, "OK", headers, Html));
        }

        return ValueTask.FromResult<HandshakeResponse?>(HandshakeResponse.CreateError(404, $"Nothing at {request.Path}: the page is at /."));
    }

    private static byte[] Load()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ShowTime.index.html")
            ?? throw new InvalidOperationException("The embedded page ShowTime.index.html is missing.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
