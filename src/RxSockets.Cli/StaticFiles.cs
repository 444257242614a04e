using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Cli;

/// <summary>
/// <c>serve --static DIR</c>: plain HTTP GETs are answered with files under one folder
/// (<c>index.html</c> for a folder), WebSocket upgrades go on to the handler, so a page and its
/// feed share one port. A path that leaves the folder, a missing file or another method is 404
/// or 405. For development: every file is read whole per request, up to <see cref="MaxFileBytes"/>.
/// </summary>
internal sealed class StaticFiles
{
    /// <summary>The largest file served (larger ones are answered 404, as if absent).</summary>
    public const long MaxFileBytes = 64 * 1024 * 1024;

    private static readonly Dictionary<string, string> s_types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".txt"] = "text/plain; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".ico"] = "image/x-icon",
        [".wasm"] = "application/wasm",
    };

    /// <summary>The folder, as a full path ending with a separator.</summary>
    private readonly string _root;

    /// <summary>Serves the files under <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public StaticFiles(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"No folder {full}.");
        }

        _root = Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar;
    }

    /// <summary>The full path of the folder served.</summary>
    public string Root => _root;

    /// <summary>A <see cref="WebSocketServerOptions.ProcessRequest"/>: a file for a GET, <see langword="null"/> for an upgrade.</summary>
    public async ValueTask<HandshakeResponse?> ServeAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return null;
        }

        if (request.Method is not ("GET" or "HEAD"))
        {
            return HandshakeResponse.CreateError(405, "Only GET and HEAD are served.");
        }

        string? file = Resolve(Uri.UnescapeDataString(request.Path));
        if (file is null)
        {
            return HandshakeResponse.CreateError(404, $"Nothing at {request.Path}.");
        }

        byte[] body = request.Method == "HEAD" ? [] : await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        var headers = new HttpHeaders();
        headers.Add("Content-Type", s_types.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream"));
        headers.Add("Content-Length", new FileInfo(file).Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Cache-Control", "no-cache");
        headers.Add("Connection", "close"); // the server closes after a plain HTTP answer
        return new HandshakeResponse(200, "OK", headers, body);
    }

    /// <summary>The file a request path names, or <see langword="null"/> when there is none or the path leaves the folder.</summary>
    public string? Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string relative = path.TrimStart('/');
        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        string full = Path.GetFullPath(Path.Combine(_root, relative));
        if (!full.StartsWith(_root, StringComparison.Ordinal) && full + Path.DirectorySeparatorChar != _root)
        {
            return null; // ../ out of the folder
        }

        if (Directory.Exists(full))
        {
            full = Path.Combine(full, "index.html");
        }

        var info = new FileInfo(full);
        return info.Exists && info.Length <= MaxFileBytes ? full : null;
    }
}
