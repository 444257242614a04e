using System;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>Redirects of the opening handshake between real servers on 127.0.0.1.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RedirectTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(303)]
    [TestCase(307)]
    [TestCase(308)]
    public async Task ConnectAsync_RedirectOnTheSameServer_FollowsWithTheCredentials(int status)
    {
        var requests = new ConcurrentQueue<HandshakeRequest>();
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (request, _) =>
            {
                requests.Enqueue(request);
                return ValueTask.FromResult(request.Path == "/old" ? Redirect(status, "/new?room=7") : null);
            },
        });
        var options = new WebSocketClientOptions { Headers = [new("Authorization", "Bearer ada"), new("X-Trace", "1")] };

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri(server.Uri, "/old"), options);

        Assert.That(client.Request!.Path, Is.EqualTo("/new"));
        Assert.That(requests, Has.Count.EqualTo(2));
        HandshakeRequest followed = requests.ToArray()[1];
        Assert.That(followed.Query, Is.EqualTo("room=7"));
        Assert.That(followed.Headers.GetFirst("Authorization"), Is.EqualTo("Bearer ada"), "same origin: credentials stay");
    }

    [Test]
    public async Task ConnectAsync_RedirectToAnotherOrigin_DropsCredentials()
    {
        HandshakeRequest? seen = null;
        await using WebSocketServer target = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (request, _) =>
            {
                seen = request;
                return ValueTask.FromResult<HandshakeResponse?>(null);
            },
        });
        await using WebSocketServer origin = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (_, _) => ValueTask.FromResult<HandshakeResponse?>(Redirect(307, $"ws://127.0.0.1:{target.EndPoint.Port}/moved")),
        });
        var options = new WebSocketClientOptions { Headers = [new("Authorization", "Bearer ada"), new("Cookie", "s=1"), new("X-Trace", "1")] };
        var uri = new UriBuilder(origin.Uri) { UserName = "ada", Password = "secret" }.Uri;

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(uri, options);

        Assert.That(seen!.Path, Is.EqualTo("/moved"));
        Assert.That(seen.Headers.Contains("Authorization"), Is.False);
        Assert.That(seen.Headers.Contains("Cookie"), Is.False);
        Assert.That(seen.Headers.GetFirst("X-Trace"), Is.EqualTo("1"));
    }

    [Test]
    public async Task ConnectAsync_RedirectLoop_StopsAfterMaxRedirects()
    {
        int requests = 0;
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (_, _) =>
            {
                System.Threading.Interlocked.Increment(ref requests);
                return ValueTask.FromResult<HandshakeResponse?>(Redirect(302, "/again"));
            },
        });

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Redirect));
        Assert.That(error.Message, Does.Contain("more than 10 times"));
        Assert.That(requests, Is.EqualTo(11), "the first request and ten redirects");
        Assert.That(ReconnectOptions.IsRetryable(error), Is.False);
    }

    [Test]
    public async Task ConnectAsync_MaxRedirectsZero_RedirectIsARejection()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            ProcessRequest = (_, _) => ValueTask.FromResult<HandshakeResponse?>(Redirect(302, "/elsewhere")),
        });

        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { MaxRedirects = 0 }));

        Assert.That(error!.StatusCode, Is.EqualTo(302));
    }

    [Test]
    public async Task ConnectAsync_RedirectFromWssToWs_IsRefused()
    {
        using X509Certificate2 certificate = TestCertificates.Server("CN=RxSockets test", loopback: true);
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificate = certificate },
            ProcessRequest = (_, _) => ValueTask.FromResult<HandshakeResponse?>(Redirect(301, "ws://127.0.0.1:1/plain")),
        });
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(certificate);
        var options = new WebSocketClientOptions { Tls = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } };

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri, options));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Redirect));
        Assert.That(error.Message, Does.Contain("from wss:// to ws://"));
    }

    [Test]
    public void Resolve_HttpLocations_BecomeWebSocketUris()
    {
        Assert.That(Redirects.Resolve(new Uri("ws://a.example/x"), "https://b.example/y"), Is.EqualTo(new Uri("wss://b.example/y")));
        Assert.That(Redirects.Resolve(new Uri("wss://a.example:8443/x"), "/y?z=1"), Is.EqualTo(new Uri("wss://a.example:8443/y?z=1")));
        Assert.That(Redirects.Resolve(new Uri("ws://a.example/x"), "http://b.example:8080/"), Is.EqualTo(new Uri("ws://b.example:8080/")));
        Assert.Throws<HandshakeException>(() => Redirects.Resolve(new Uri("ws://a.example/"), "ftp://b.example/"));
    }

    private static HandshakeResponse Redirect(int status, string location)
    {
        var headers = new HttpHeaders();
        headers.Add("Location", location);
        return new HandshakeResponse(status, "Moved", headers);
    }
}
