using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Browser;

/// <summary>
/// Chromium's WebSocket against our server: a page served through <c>ProcessRequest</c> sends text
/// (multi-byte UTF-8) and binary (up to 1 MiB, our default limit, inclusive) messages, checks the
/// echoes, and closes with 4000; both sides must agree on the close.
/// </summary>
[TestFixture]
public sealed class EchoPageBrowserTests : BrowserFixture
{
    private static readonly byte[] s_page = LoadPage();

    [Test]
    public async Task EchoPage_InChromium_GetsEveryEchoAndBothSidesSeeClose4000()
    {
        var received = new ConcurrentQueue<Message>();
        var opened = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            async (ws, ct) =>
            {
                opened.TrySetResult(ws);
                try
                {
                    await foreach (Message message in ws.ReadAllAsync(ct))
                    {
                        received.Enqueue(message);
                        await ws.SendAsync(message, ct);
                    }
                }
                catch (ConnectionClosedException)
                {
                    // 4000 is not a normal closure: read it from ClosedException below.
                }
            },
            new WebSocketServerOptions { Host = "127.0.0.1", Port = 0, ProcessRequest = ServePageAsync });

        await Page.GotoAsync(new UriBuilder(server.Uri) { Scheme = Uri.UriSchemeHttp, Path = "/" }.Uri.AbsoluteUri);
        await Page.Locator("#result[data-done]").WaitForAsync(new() { Timeout = TimeoutMs });
        string json = await Page.EvaluateAsync<string>("() => JSON.stringify(window.results)");
        WebSocketConnection connection = await opened.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        using JsonDocument results = JsonDocument.Parse(json);
        JsonElement root = results.RootElement;
        JsonElement close = root.GetProperty("close");
        string[] checks = [.. root.GetProperty("checks").EnumerateArray().Select(c => $"{c.GetProperty("type").GetString()} {c.GetProperty("size").GetInt32()} {c.GetProperty("ok").GetBoolean()}")];
        var status = new CloseStatus((CloseCode)4000, "browser done ✓");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checks, Is.EqualTo(new[] { "text 48 True", "text 0 True", "text 65536 True", "binary 0 True", $"binary {Payloads.OneMiB} True" }), json);
            Assert.That(close.GetProperty("code").GetInt32(), Is.EqualTo(4000), "close code seen by the browser");
            Assert.That(close.GetProperty("reason").GetString(), Is.EqualTo("browser done ✓"), "close reason seen by the browser");
            Assert.That(close.GetProperty("wasClean").GetBoolean(), Is.True, "a clean closing handshake");
            Assert.That(root.GetProperty("errors").GetArrayLength(), Is.Zero, json);
            Assert.That(connection.ClosedException!.Received, Is.EqualTo(status), "close received by our server");
            Assert.That(connection.ClosedException.Sent, Is.EqualTo(status), "echoed by our server");
            Assert.That(received.Select(m => $"{(m.IsText ? "text" : "binary")} {m.Data.Length}"), Is.EqualTo(new[] { "text 48", "text 0", "text 65536", "binary 0", $"binary {Payloads.OneMiB}" }));
            Assert.That(received.First().Text, Is.EqualTo("héllo wörld ✓ 日本語 🚀 — ünïcödé"));
            Assert.That(received.Last().Data.ToArray(), Is.EqualTo(Payloads.Binary(Payloads.OneMiB)));
        }
    }

    private static ValueTask<HandshakeResponse?> ServePageAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        if (request.Headers.ContainsToken("Upgrade", "websocket"))
        {
            return ValueTask.FromResult<HandshakeResponse?>(null);
        }

        if (request.Path != "/")
        {
            return ValueTask.FromResult<HandshakeResponse?>(HandshakeResponse.CreateError(404, "not found"));
        }

        var headers = new HttpHeaders();
        headers.Add("Content-Type", "text/html; charset=utf-8");
        headers.Add("Content-Length", s_page.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Connection", "close");
        return ValueTask.FromResult<HandshakeResponse?>(new HandshakeResponse(200, "OK", headers, s_page));
    }

    private static byte[] LoadPage()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RxSockets.Compliance.Browser.echo.html")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
