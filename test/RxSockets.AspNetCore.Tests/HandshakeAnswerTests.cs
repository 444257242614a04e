using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>
/// Requests that are not valid handshakes get the standalone server's answers (status, reason,
/// headers), here written by Kestrel: the engine judges, the endpoint only relays.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class HandshakeAnswerTests
{
    private KestrelApp _app = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _app = await KestrelApp.StartAsync(a => a.MapWebSocket("/ws", (WebSocketConnection ws, CancellationToken ct) => ws.SendAsync("hi", ct).AsTask(),
            new WebSocketEndpointOptions { Origins = new RxSockets.Protocol.OriginPolicy(["https://good.example"], allowMissing: true) }));

    [OneTimeTearDown]
    public async Task StopAsync() => await _app.DisposeAsync();

    [Test]
    public async Task PlainGet_Answers426WithUpgradeAndVersion()
    {
        using var http = new HttpClient();
        using HttpResponseMessage response = await http.GetAsync(new System.Uri(_app.Http, "/ws"));
        Assert.That((int)response.StatusCode, Is.EqualTo(426));
        Assert.That(response.ReasonPhrase, Is.EqualTo("Upgrade Required"));
        Assert.That(string.Join(",", response.Headers.GetValues("Upgrade")), Is.EqualTo("websocket"));
        Assert.That(string.Join(",", response.Headers.GetValues("Sec-WebSocket-Version")), Is.EqualTo("13"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("speaks WebSocket only"));
    }

    [Test]
    public async Task BadKey_Answers400WithTheReason()
    {
        (string status, _, string body) = await RawHttp.SendAsync(_app.EndPoint, RawHttp.Handshake("/ws", "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 400 Bad Request"));
        Assert.That(body, Does.Contain("Sec-WebSocket-Key"));
    }

    [Test]
    public async Task OtherVersion_Answers426WithVersion13()
    {
        (string status, Dictionary<string, string> headers, _) = await RawHttp.SendAsync(_app.EndPoint, RawHttp.Handshake("/ws", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 426 Upgrade Required"));
        Assert.That(headers["Sec-WebSocket-Version"], Is.EqualTo("13"));
    }

    [Test]
    public async Task Post_Answers405WithAllowGet()
    {
        (string status, Dictionary<string, string> headers, _) = await RawHttp.SendAsync(_app.EndPoint, RawHttp.Handshake("/ws", method: "POST", headers: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 405 Method Not Allowed"));
        Assert.That(headers["Allow"], Is.EqualTo("GET"));
    }

    [Test]
    public async Task RefusedOrigin_Answers403()
    {
        (string status, _, _) = await RawHttp.SendAsync(_app.EndPoint, RawHttp.Handshake("/ws", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 403 Forbidden"));
    }

    [Test]
    public async Task ValidHandshake_Answers101WithTheAcceptValue()
    {
        (string status, Dictionary<string, string> headers, _) = await RawHttp.SendAsync(_app.EndPoint, RawHttp.Handshake("/ws", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://good.example\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 101 Switching Protocols"));
        Assert.That(headers["Sec-WebSocket-Accept"], Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")); // RFC 6455 §1.3
        Assert.That(headers["Upgrade"], Is.EqualTo("websocket"));
        Assert.That(headers["Connection"], Is.EqualTo("Upgrade"));
    }

    [Test]
    public async Task UnmappedPath_IsNotAnswered_ByTheEndpoint()
    {
        using var http = new HttpClient();
        using HttpResponseMessage response = await http.GetAsync(new System.Uri(_app.Http, "/elsewhere"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
