using System.Net.Http;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>The endpoint's convention builder composes with ASP.NET Core's policies, which run before the upgrade.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class EndpointConventionTests
{
    [Test]
    public async Task RequireAuthorization_Anonymous_Gets401AndAUserConnectsAndIsSeen()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(
            a => a.MapWebSocket("/private", async (HttpContext http, WebSocketConnection ws, CancellationToken ct) => await ws.SendAsync("hello " + http.User.Identity!.Name, ct)).RequireAuthorization(),
            b =>
            {
                b.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
                b.Services.AddAuthorization();
            });

        HandshakeRejectedException refused = (await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(app.Ws("/private"))))!;
        Assert.That(refused.StatusCode, Is.EqualTo(401));

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/private"), new WebSocketClientOptions { Headers = [new("X-User", "ada")] });
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("hello ada"));
    }

    [Test]
    public async Task RequireRateLimiting_OverTheLimit_Gets429BeforeTheUpgrade()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(
            a =>
            {
                a.UseRateLimiter();
                a.MapWebSocket("/limited", (WebSocketConnection ws, CancellationToken ct) => ws.SendAsync("in", ct).AsTask()).RequireRateLimiting("one");
            },
            b => b.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                o.AddFixedWindowLimiter("one", w => { w.PermitLimit = 1; w.Window = System.TimeSpan.FromHours(1); w.QueueLimit = 0; });
            }));

        await using WebSocketConnection first = await WebSocketClient.ConnectAsync(app.Ws("/limited"));
        Assert.That((await first.ReceiveAsync()).Text, Is.EqualTo("in"));
        HandshakeRejectedException refused = (await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(app.Ws("/limited"))))!;
        Assert.That(refused.StatusCode, Is.EqualTo(429));
    }

    [Test]
    public async Task RequireCors_AllowedOrigin_ConnectsWithTheCorsHeader()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(
            a =>
            {
                a.UseCors();
                a.MapWebSocket("/cors", (WebSocketConnection ws, CancellationToken ct) => ws.SendAsync("ok", ct).AsTask()).RequireCors("site");
            },
            b => b.Services.AddCors(o => o.AddPolicy("site", p => p.WithOrigins("https://site.example"))));

        (string status, var headers, _) = await RawHttp.SendAsync(app.EndPoint, RawHttp.Handshake("/cors", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://site.example\r\n"));
        Assert.That(status, Is.EqualTo("HTTP/1.1 101 Switching Protocols"));
        Assert.That(headers["Access-Control-Allow-Origin"], Is.EqualTo("https://site.example"));
    }
}
