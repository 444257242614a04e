using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using AspNetCoreExample;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>examples/AspNetCore through WebApplicationFactory: in memory (TestHost) for its HTTP surface, and on Kestrel for its WebSocket endpoints.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ExampleTests
{
    private static WebApplicationFactory<Program> Factory() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Metrics:ConsoleExport", "false"));

    [Test]
    public async Task InMemory_HealthChecksEchoAnswerAndAuthorization()
    {
        await using WebApplicationFactory<Program> factory = Factory();
        using HttpClient http = factory.CreateClient();

        using HttpResponseMessage health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
        using HttpResponseMessage echo = await http.GetAsync(new Uri("/echo", UriKind.Relative));
        Assert.That((int)echo.StatusCode, Is.EqualTo(426));
        using HttpResponseMessage chat = await http.GetAsync(new Uri("/chat/lobby", UriKind.Relative));
        Assert.That(chat.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using HttpResponseMessage script = await http.GetAsync(new Uri("/rxsockets/feeds.js", UriKind.Relative));
        Assert.That(script.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/javascript"));
    }

    [Test]
    public async Task OnKestrel_EchoChatAndFeed()
    {
        await using WebApplicationFactory<Program> factory = Factory();
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        string address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string root = address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/');

        foreach (string path in new[] { "/echo", "/echo-async" })
        {
            await using WebSocketConnection echo = await WebSocketClient.ConnectAsync(root + path);
            await echo.SendAsync("unchanged");
            Assert.That((await echo.ReceiveAsync()).Text, Is.EqualTo("unchanged"), path);
            await echo.SendAsync(new byte[] { 0, 1, 2 });
            Assert.That((await echo.ReceiveAsync()).Data.ToArray(), Is.EqualTo(new byte[] { 0, 1, 2 }), path);
        }

        await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(root + "/chat/lobby"));
        await using (WebSocketConnection ada = await WebSocketClient.ConnectAsync(root + "/chat/lobby?access_token=demo-token-ada"))
        {
            Assert.That((await ada.ReceiveAsync()).Text, Is.EqualTo("ada joined lobby"));
            await using WebSocketConnection grace = await WebSocketClient.ConnectAsync(root + "/chat/lobby", new WebSocketClientOptions { Headers = [new("Authorization", "Bearer demo-token-grace")] });
            Assert.That((await ada.ReceiveAsync()).Text, Is.EqualTo("grace joined lobby"));
            await grace.SendAsync("hi");
            Assert.That((await ada.ReceiveAsync()).Text, Is.EqualTo("grace: hi"));
        }

        await using (WebSocketConnection feed = await WebSocketClient.ConnectAsync(root + "/feeds", new WebSocketClientOptions { Subprotocols = [FeedHub.Subprotocol] }))
        {
            await feed.SendAsync("""{"type":"subscribe","topic":"time"}""");
            string first = (await feed.ReceiveAsync()).Text;
            Assert.That(first, Does.Contain("\"time\""));
        }
    }
}
