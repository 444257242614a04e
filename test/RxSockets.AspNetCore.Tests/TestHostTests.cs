using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>
/// In memory with TestHost, what it can carry: routing, policies and the plain-HTTP answers.
/// TestHost has no HTTP/1.1 upgrade (its WebSocket client hands the app a finished
/// <c>WebSocket</c>, not a stream), so a valid handshake is answered 400 there; connections are
/// tested over Kestrel (<see cref="MapWebSocketTests"/>).
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class TestHostTests
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        _app = builder.Build();
        _app.MapWebSocket("/ws", (WebSocketConnection ws, CancellationToken ct) => Task.CompletedTask);
        _app.MapWebSocket("/private", (WebSocketConnection ws, CancellationToken ct) => Task.CompletedTask).RequireAuthorization();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task PlainGet_Answers426()
    {
        using HttpResponseMessage response = await _client.GetAsync(new Uri("/ws", UriKind.Relative));
        Assert.That((int)response.StatusCode, Is.EqualTo(426));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("speaks WebSocket only"));
    }

    [Test]
    public async Task RequireAuthorization_Anonymous_Answers401()
    {
        using HttpResponseMessage response = await _client.GetAsync(new Uri("/private", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ValidHandshake_WithoutAnUpgradeFeature_Answers400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ws", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        using HttpResponseMessage response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("cannot upgrade"));
    }
}
