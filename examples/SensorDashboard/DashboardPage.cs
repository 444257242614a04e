using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;
using RxSockets.Protocol;

namespace SensorDashboard;

/// <summary>Serves the dashboard on <c>GET /</c> and the feeds client at <c>/rxsockets/feeds.js</c>, through <see cref="WebSocketServerOptions.ProcessRequest"/>.</summary>
public static class DashboardPage
{
    private static readonly Lazy<byte[]> s_html = new(Load);

    /// <summary>The page as UTF-8 bytes.</summary>
    public static ReadOnlyMemory<byte> Html => s_html.Value;

    /// <summary>
    /// The <c>ProcessRequest</c> hook: the feeds client script, then WebSocket upgrades go on
    /// (<see langword="null"/>), a plain <c>GET /</c> gets the page, anything else 404.
    /// </summary>
    /// <param name="request">The request head.</param>
    /// <param name="cancellationToken">Passed to the script hook.</param>
    /// <returns>The HTTP answer, or <see langword="null"/> to upgrade.</returns>
    public static async ValueTask<HandshakeResponse?> ServeAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FeedHub.ServeClientScriptAsync(request, cancellationToken) is { } script)
        {
            return script;
        }

        if (request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return null;
        }

        if (request.Method == "GET" && request.Path is "/" or "/index.html")
        {
            var headers = new HttpHeaders();
            headers.Add("Content-Type", "text/html; charset=utf-8");
            headers.Add("Content-Length", Html.Length.ToString(CultureInfo.InvariantCulture));
            headers.Add("Cache-Control", "no-cache");
            headers.Add("Connection", "close"); // the server closes after a plain HTTP answer
            return new HandshakeResponse(200, "OK", headers, Html);
        }

        return HandshakeResponse.CreateError(404, $"Nothing at {request.Path}: the dashboard is at /.");
    }

    private static byte[] Load()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("SensorDashboard.index.html")
            ?? throw new InvalidOperationException("The embedded page SensorDashboard.index.html is missing.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
