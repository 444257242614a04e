using System;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>
/// WebSockets over HTTP/2 (RFC 8441's extended CONNECT) through Kestrel, with .NET's
/// <see cref="ClientWebSocket"/> as the peer over cleartext HTTP/2 (prior knowledge).
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class Http2Tests
{
    [Test]
    public async Task ExtendedConnect_ClientWebSocketOverHttp2_EchoesAndSeesTheSubprotocol()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(
            a => a.MapWebSocket("/h2", async (HttpContext http, WebSocketConnection ws, CancellationToken ct) =>
            {
                await ws.SendAsync(http.Request.Protocol, ct);
                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                    await ws.SendAsync(message, ct);
                }
            }, new WebSocketEndpointOptions { Subprotocols = ["chat"] }),
            protocols: HttpProtocols.Http2);

        using var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        client.Options.AddSubProtocol("chat");
        client.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var timeout = new CancellationTokenSource(KestrelApp.Wait);
        await client.ConnectAsync(app.Ws("/h2"), invoker, timeout.Token);
        Assert.That(client.HttpStatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(client.SubProtocol, Is.EqualTo("chat"));

        Assert.That(await ReceiveTextAsync(client, timeout.Token), Is.EqualTo("HTTP/2"));
        await client.SendAsync(Encoding.UTF8.GetBytes("over h2"), WebSocketMessageType.Text, true, timeout.Token);
        Assert.That(await ReceiveTextAsync(client, timeout.Token), Is.EqualTo("over h2"));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
    }

    [Test]
    public async Task ExtendedConnect_WrongVersion_IsRefusedByTheEngine()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(
            a => a.MapWebSocket("/h2", (WebSocketConnection ws, CancellationToken ct) => Task.CompletedTask),
            protocols: HttpProtocols.Http2);

        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Connect, new Uri(app.Http, "/h2")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Protocol = "websocket";
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "8");
        using HttpResponseMessage response = await invoker.SendAsync(request, CancellationToken.None);
        Assert.That((int)response.StatusCode, Is.EqualTo(426));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("version 13"));
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        WebSocketReceiveResult result = await client.ReceiveAsync(buffer, cancellationToken);
        Assert.That(result.EndOfMessage, Is.True);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
