using System;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>Who may connect: TLS, origins, Basic auth, subprotocol selection, handshake rate.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class SecurityTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);
    private static X509Certificate2 s_certificate = null!;

    [OneTimeSetUp]
    public void CreateCertificate()
    {
        // A self-signed certificate made at test time for 127.0.0.1 and localhost.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=RxSockets test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // SslStream on Linux needs a key it can export: round-trip through PKCS#12.
        s_certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    [OneTimeTearDown]
    public void DisposeCertificate() => s_certificate.Dispose();

    [Test]
    public async Task Tls_ServerAndClient_EchoOverWss()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificate = s_certificate },
        });
        var options = new WebSocketClientOptions
        {
            Tls = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == s_certificate.GetCertHashString() },
        };

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, options);
        await client.SendAsync("secret ✓");

        Assert.That(server.Uri.Scheme, Is.EqualTo("wss"));
        Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("secret ✓"));
    }

    [Test]
    public async Task Tls_UntrustedCertificate_FailsTheHandshake()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificate = s_certificate },
        });

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri));

        Assert.That(error!.InnerException, Is.InstanceOf<System.Security.Authentication.AuthenticationException>());
    }

    [Test]
    public async Task Tls_PlainClientOnTlsServer_IsDroppedAndServerKeepsServing()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificate = s_certificate },
        });

        await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoint.Port}/")));
        var options = new WebSocketClientOptions { Tls = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == s_certificate.GetCertHashString() } };
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, options);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task Origins_RefusedOriginGets403_AllowedAndMissingPass()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, _) => ws.Completion, new WebSocketServerOptions
        {
            Origins = new OriginPolicy(["https://app.example.com"]),
        });

        var refused = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { Origin = "https://evil.example.com" }));
        await using WebSocketConnection allowed = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { Origin = "https://app.example.com" });
        await using WebSocketConnection noOrigin = await WebSocketClient.ConnectAsync(server.Uri);

        Assert.That(refused!.StatusCode, Is.EqualTo(403));
        Assert.That(allowed.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(noOrigin.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task BasicAuth_CredentialsInUri_AreChecked()
    {
        string? seenUser = null;
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            BasicAuthentication.TryGetCredentials(ws.Request!, out seenUser, out _);
            await ws.SendAsync("welcome", ct);
        }, new WebSocketServerOptions
        {
            ProcessRequest = BasicAuthentication.Require("chat", (user, password, _) => ValueTask.FromResult(user == "ada" && password == "p@ss:word")),
        });
        int port = server.EndPoint.Port;

        var missing = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));
        var wrong = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://ada:nope@127.0.0.1:{port}/")));
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri($"ws://ada:p%40ss%3Aword@127.0.0.1:{port}/"));

        Assert.That(missing!.StatusCode, Is.EqualTo(401));
        Assert.That(missing.Headers.Single(h => h.Key == "WWW-Authenticate").Value, Is.EqualTo("Basic realm=\"chat\", charset=\"UTF-8\""));
        Assert.That(wrong!.StatusCode, Is.EqualTo(401));
        Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("welcome"));
        Assert.That(seenUser, Is.EqualTo("ada"));
    }

    [Test]
    public async Task SelectSubprotocol_CallbackChooses()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => ws.SendAsync(ws.Subprotocol ?? "none", ct).AsTask(), new WebSocketServerOptions
        {
            SelectSubprotocol = (request, offered) => offered.Count > 0 ? offered[^1] : null,
        });

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { Subprotocols = ["a", "b", "c"] });

        Assert.That(client.Subprotocol, Is.EqualTo("c"));
    }

    [Test]
    public async Task MaxHandshakesPerSecond_ExcessGets429UntilTimePasses()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, _) => ws.Completion, new WebSocketServerOptions
        {
            MaxHandshakesPerSecond = 2,
            TimeProvider = time,
        });

        await using WebSocketConnection first = await WebSocketClient.ConnectAsync(server.Uri);
        await using WebSocketConnection second = await WebSocketClient.ConnectAsync(server.Uri);
        var third = await Assert.ThrowsAsync<HandshakeRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));
        time.Advance(TimeSpan.FromSeconds(1));
        await using WebSocketConnection later = await WebSocketClient.ConnectAsync(server.Uri);

        Assert.That(third!.StatusCode, Is.EqualTo(429));
        Assert.That(third.Headers.Single(h => h.Key == "Retry-After").Value, Is.EqualTo("1"));
        Assert.That(later.State, Is.EqualTo(ConnectionState.Open));
    }
}
