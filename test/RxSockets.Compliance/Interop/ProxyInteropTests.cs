using System;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Compliance;

/// <summary>
/// Our client through real proxies from Debian on 127.0.0.1: tinyproxy (HTTP CONNECT with Basic
/// authentication) and microsocks (SOCKS5 with username/password), to ws:// and wss:// servers
/// (TLS runs end to end inside the tunnel).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
[NonParallelizable] // one test sets http_proxy for the process
public sealed class ProxyInteropTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private X509Certificate2 _certificate = null!;

    [OneTimeSetUp]
    public void CreateCertificate() => _certificate = SelfSignedCertificate.Create();

    [OneTimeTearDown]
    public void DisposeCertificate() => _certificate.Dispose();

    [Test]
    public async Task Tinyproxy_Ws_EchoesThroughTheTunnel()
    {
        await using ProxyServer proxy = await ProxyServer.StartTinyproxyAsync("ada", "secret");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        var options = new WebSocketClientOptions { Proxy = new WebProxy($"http://127.0.0.1:{proxy.Port}") { Credentials = new NetworkCredential("ada", "secret") } };

        string echoed = await EchoAsync(server.Uri, options, "through tinyproxy");

        Assert.That(echoed, Is.EqualTo("through tinyproxy"));
        Assert.That(proxy.Output, Does.Contain($"127.0.0.1:{server.EndPoint.Port}"), "tinyproxy logged the CONNECT");
    }

    [Test]
    public async Task Tinyproxy_Wss_TlsRunsInsideTheTunnel()
    {
        await using ProxyServer proxy = await ProxyServer.StartTinyproxyAsync();
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificate = _certificate },
        });
        var options = new WebSocketClientOptions
        {
            Proxy = new WebProxy($"http://127.0.0.1:{proxy.Port}"),
            Tls = SelfSignedCertificate.TrustedBy(_certificate),
        };

        string echoed = await EchoAsync(server.Uri, options, "secret through tinyproxy");

        Assert.That(server.Uri.Scheme, Is.EqualTo("wss"));
        Assert.That(echoed, Is.EqualTo("secret through tinyproxy"));
        Assert.That(proxy.Output, Does.Contain($"127.0.0.1:{server.EndPoint.Port}"));
    }

    [Test]
    public async Task Tinyproxy_WrongCredentials_ProxyRejectedAndNotRetryable()
    {
        await using ProxyServer proxy = await ProxyServer.StartTinyproxyAsync("ada", "secret");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        var options = new WebSocketClientOptions { Proxy = new WebProxy($"http://127.0.0.1:{proxy.Port}") { Credentials = new NetworkCredential("ada", "wrong") } };

        var error = await Assert.ThrowsAsync<ProxyRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri, options));

        Assert.That(error!.StatusCode, Is.AnyOf(401, 407), "tinyproxy 1.11 answers a CONNECT with bad credentials with 401, not RFC 9110's 407");
        Assert.That(error.Failure, Is.EqualTo(HandshakeFailure.Proxy));
        Assert.That(ReconnectOptions.IsRetryable(error), Is.False);
    }

    [Test]
    public async Task Tinyproxy_ServerDown_ProxyAnswers5xxWhichIsRetryable()
    {
        await using ProxyServer proxy = await ProxyServer.StartTinyproxyAsync();
        int port;
        await using (WebSocketServer gone = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0))
        {
            port = gone.EndPoint.Port;
        }

        var error = await Assert.ThrowsAsync<ProxyRejectedException>(() => WebSocketClient.ConnectAsync(
            new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions { Proxy = new WebProxy($"http://127.0.0.1:{proxy.Port}") }));

        Assert.That(error!.StatusCode, Is.GreaterThanOrEqualTo(500), error.Message);
        Assert.That(ReconnectOptions.IsRetryable(error), Is.True);
    }

    [Test]
    public async Task Tinyproxy_FromTheEnvironment_HttpProxyWithCredentialsAndNoProxy()
    {
        await using ProxyServer proxy = await ProxyServer.StartTinyproxyAsync("ada", "secret");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        string? saved = Environment.GetEnvironmentVariable("http_proxy");
        string? savedNoProxy = Environment.GetEnvironmentVariable("no_proxy");
        try
        {
            Environment.SetEnvironmentVariable("no_proxy", null);
            Environment.SetEnvironmentVariable("http_proxy", $"http://ada:wrong@127.0.0.1:{proxy.Port}");
            var refused = await Assert.ThrowsAsync<ProxyRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri));
            Assert.That(refused!.StatusCode, Is.AnyOf(401, 407), "the environment's proxy was used, with its credentials");

            Environment.SetEnvironmentVariable("http_proxy", $"http://ada:secret@127.0.0.1:{proxy.Port}");
            Assert.That(await EchoAsync(server.Uri, new WebSocketClientOptions(), "via http_proxy"), Is.EqualTo("via http_proxy"));

            Environment.SetEnvironmentVariable("http_proxy", $"http://ada:wrong@127.0.0.1:{proxy.Port}");
            Environment.SetEnvironmentVariable("no_proxy", "localhost,127.0.0.1");
            Assert.That(await EchoAsync(server.Uri, new WebSocketClientOptions(), "direct"), Is.EqualTo("direct"), "no_proxy bypasses the (refusing) proxy");
        }
        finally
        {
            Environment.SetEnvironmentVariable("http_proxy", saved);
            Environment.SetEnvironmentVariable("no_proxy", savedNoProxy);
        }
    }

    [TestCase("socks5", "ws")]
    [TestCase("socks5h", "ws")]
    [TestCase("socks5h", "wss")]
    public async Task Microsocks_EchoesThroughTheTunnel(string scheme, string target)
    {
        await using ProxyServer proxy = await ProxyServer.StartMicrosocksAsync("ada", "secret");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, new WebSocketServerOptions
        {
            Tls = target == "wss" ? new SslServerAuthenticationOptions { ServerCertificate = _certificate } : null,
        });
        var options = new WebSocketClientOptions
        {
            Proxy = new WebProxy(new Uri($"{scheme}://127.0.0.1:{proxy.Port}")) { Credentials = new NetworkCredential("ada", "secret") },
            Tls = SelfSignedCertificate.TrustedBy(_certificate),
        };
        var uri = new Uri($"{target}://localhost:{server.EndPoint.Port}/"); // socks5h: microsocks resolves "localhost"

        string echoed = await EchoAsync(uri, options, $"through {scheme}");

        Assert.That(echoed, Is.EqualTo($"through {scheme}"));
    }

    [Test]
    public async Task Microsocks_WrongPassword_ProxyRejected407()
    {
        await using ProxyServer proxy = await ProxyServer.StartMicrosocksAsync("ada", "secret");
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        var options = new WebSocketClientOptions { Proxy = new WebProxy(new Uri($"socks5://127.0.0.1:{proxy.Port}")) { Credentials = new NetworkCredential("ada", "wrong") } };

        var error = await Assert.ThrowsAsync<ProxyRejectedException>(() => WebSocketClient.ConnectAsync(server.Uri, options));

        Assert.That(error!.StatusCode, Is.EqualTo(407));
        Assert.That(error.Reason, Does.Contain("user name or password"));
        Assert.That(ReconnectOptions.IsRetryable(error), Is.False);
    }

    [Test]
    public async Task Microsocks_ServerDown_RefusedIsA502WhichIsRetryable()
    {
        await using ProxyServer proxy = await ProxyServer.StartMicrosocksAsync();
        int port;
        await using (WebSocketServer gone = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0))
        {
            port = gone.EndPoint.Port;
        }

        var error = await Assert.ThrowsAsync<ProxyRejectedException>(() => WebSocketClient.ConnectAsync(
            new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions { Proxy = new WebProxy(new Uri($"socks5://127.0.0.1:{proxy.Port}")) }));

        Assert.That(error!.StatusCode, Is.GreaterThanOrEqualTo(500), error.Message);
        Assert.That(ReconnectOptions.IsRetryable(error), Is.True);
    }

    private static async Task<string> EchoAsync(Uri uri, WebSocketClientOptions options, string text)
    {
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(uri, options);
        await client.SendAsync(text);
        return await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait);
    }
}
