using System;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>
/// The client's TLS options against RxSockets' own TLS server with certificates made in the test:
/// trusting a test certificate, errors that name the certificate problem, SNI, client certificates,
/// protocol versions.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class TlsClientTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);
    private X509Certificate2 _certificate = null!;

    [OneTimeSetUp]
    public void CreateCertificate() => _certificate = TestCertificates.Server("CN=RxSockets test", loopback: true, "localhost");

    [OneTimeTearDown]
    public void DisposeCertificate() => _certificate.Dispose();

    [Test]
    public async Task ConnectAsync_SelfSignedCertificate_NamesTheProblemAndTheFix()
    {
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Certificate));
        Assert.That(error.Message, Does.Contain("The server's certificate for '127.0.0.1' was rejected: it is self-signed and not trusted here (UntrustedRoot)"));
        Assert.That(error.Message, Does.Contain("subject CN=RxSockets test"));
        Assert.That(error.Message, Does.Contain("CustomRootTrust"), "the message says how to trust a test certificate");
        Assert.That(error.InnerException, Is.InstanceOf<AuthenticationException>());
        Assert.That(ReconnectOptions.IsRetryable(error), Is.False);
    }

    [Test]
    public async Task ConnectAsync_TestCertificateAsCustomRoot_Connects()
    {
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, Trusting(_certificate));
        await client.SendAsync("over TLS");

        Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("over TLS"));
    }

    [Test]
    public async Task ConnectAsync_CertificateForAnotherHost_SaysWhichNamesItHas()
    {
        using X509Certificate2 other = TestCertificates.Server("CN=other", loopback: false, "other.example");
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = other });

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri, Trusting(other)));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Certificate));
        Assert.That(error.Message, Does.Contain("it was issued for 'other.example', not '127.0.0.1'"));
    }

    [Test]
    public async Task ConnectAsync_ExpiredCertificate_SaysWhenItExpired()
    {
        using X509Certificate2 expired = TestCertificates.Expired();
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = expired });

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri, Trusting(expired)));

        Assert.That(error!.Message, Does.Contain($"it expired on {expired.NotAfter.ToUniversalTime():yyyy-MM-dd}").And.Contain("(NotTimeValid)"));
    }

    [Test]
    public async Task ConnectAsync_ValidationCallbackRefuses_SaysTheCallbackDecided()
    {
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
        var options = new WebSocketClientOptions { Tls = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => false } };

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri, options));

        Assert.That(error!.Message, Does.Contain("UntrustedRoot"), "the errors the callback saw are named");
    }

    [Test]
    public async Task ConnectAsync_TargetHostOverride_IsTheSniTheServerSees()
    {
        using X509Certificate2 named = TestCertificates.Server("CN=sni", loopback: false, "sni.example");
        string? requested = null;
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateSelectionCallback = (_, hostName) =>
            {
                requested = hostName;
                return named;
            },
        });
        WebSocketClientOptions options = Trusting(named);
        options.Tls!.TargetHost = "sni.example"; // connect to 127.0.0.1, ask for and validate sni.example

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, options);

        Assert.That(requested, Is.EqualTo("sni.example"));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public async Task ConnectAsync_ClientCertificate_ReachesTheServer()
    {
        using X509Certificate2 mine = TestCertificates.Client("CN=ada");
        string? seen = null;
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate?.Subject;
                return certificate is not null;
            },
        });
        WebSocketClientOptions options = Trusting(_certificate);
        options.Tls!.ClientCertificates = [mine];

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, options);

        Assert.That(seen, Is.EqualTo("CN=ada"));
    }

    [Test]
    public async Task ConnectAsync_NoCommonProtocolVersion_FailsAsTlsWithTheVersionsAllowed()
    {
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = SslProtocols.Tls13 });
        WebSocketClientOptions options = Trusting(_certificate);
        options.Tls!.EnabledSslProtocols = SslProtocols.Tls12;

        var error = await Assert.ThrowsAsync<HandshakeException>(() => WebSocketClient.ConnectAsync(server.Uri, options));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Tls), "the server answers the hello with an alert record (0x15): TLS, not a plain server");
        Assert.That(error.Message, Does.Contain("could not be negotiated").And.Contain("Tls12"));
    }

    [Test]
    public async Task ConnectAsync_CallersTlsOptions_AreNotChanged()
    {
        await using WebSocketServer server = await StartAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
        WebSocketClientOptions options = Trusting(_certificate);

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, options);

        Assert.That(options.Tls!.TargetHost, Is.Null);
        Assert.That(options.Tls.RemoteCertificateValidationCallback, Is.Null);
    }

    /// <summary>Client options that trust <paramref name="certificate"/> as a root, the way to accept a test certificate.</summary>
    private static WebSocketClientOptions Trusting(X509Certificate2 certificate)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(certificate);
        return new WebSocketClientOptions { Tls = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } };
    }

    private static Task<WebSocketServer> StartAsync(SslServerAuthenticationOptions tls) =>
        WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions { Tls = tls });
}
