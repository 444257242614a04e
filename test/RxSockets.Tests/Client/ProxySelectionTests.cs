using System;
using System.Collections.Generic;
using System.Net;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>Which proxy a connection goes through: explicit options and the environment variables.</summary>
[TestFixture]
public sealed class ProxySelectionTests
{
    [Test]
    public void Select_WssUsesHttpsProxy_WsUsesHttpProxy()
    {
        var environment = Env(("https_proxy", "http://secure-proxy:3128"), ("http_proxy", "plain-proxy:8080"));

        ProxyRoute? secure = Select("wss://example.com/feed", environment);
        ProxyRoute? plain = Select("ws://example.com/feed", environment);

        Assert.That(secure!.Address, Is.EqualTo(new Uri("http://secure-proxy:3128/")));
        Assert.That(secure.Kind, Is.EqualTo(ProxyKind.Http));
        Assert.That(plain!.Address, Is.EqualTo(new Uri("http://plain-proxy:8080/")), "a value without a scheme is an http:// proxy");
    }

    [Test]
    public void Select_LowerCaseWins_AllProxyIsTheFallback()
    {
        Assert.That(Select("ws://h/", Env(("http_proxy", "http://lower:1"), ("HTTP_PROXY", "http://upper:2")))!.Address.Port, Is.EqualTo(1));
        Assert.That(Select("ws://h/", Env(("HTTP_PROXY", "http://upper:2")))!.Address.Port, Is.EqualTo(2));
        Assert.That(Select("wss://h/", Env(("ALL_PROXY", "socks5h://socks:1081")))!.Kind, Is.EqualTo(ProxyKind.Socks5RemoteDns));
        Assert.That(Select("ws://h/", Env(("all_proxy", "socks5://socks")))!.Address.Port, Is.EqualTo(1080), "SOCKS's default port");
    }

    [Test]
    public void Select_Cgi_IgnoresUpperCaseHttpProxy()
    {
        Assert.That(Select("ws://h/", Env(("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://injected:1"))), Is.Null);
    }

    [TestCase("example.com", "ws://example.com/", true)]
    [TestCase("example.com", "ws://api.example.com/", true)]
    [TestCase(".example.com", "ws://api.example.com/", true)]
    [TestCase("example.com", "ws://notexample.com/", false)]
    [TestCase("127.0.0.1", "ws://127.0.0.1:9000/", true)]
    [TestCase("localhost:9000", "ws://localhost:9000/", true)]
    [TestCase("localhost:9000", "ws://localhost:9001/", false)]
    [TestCase("other.com, *.example.com", "ws://a.example.com/", true)]
    [TestCase("*", "wss://anything/", true)]
    [TestCase("[::1]", "ws://[::1]:80/", true)]
    public void Select_NoProxy_Bypasses(string noProxy, string target, bool bypassed)
    {
        ProxyRoute? route = Select(target, Env(("http_proxy", "http://proxy:3128"), ("https_proxy", "http://proxy:3128"), ("no_proxy", noProxy)));

        Assert.That(route is null, Is.EqualTo(bypassed));
    }

    [Test]
    public void Select_CredentialsFromTheUriOrTheProxyObject()
    {
        ProxyRoute? fromEnvironment = Select("ws://h/", Env(("http_proxy", "http://ada:s%40cret@proxy:3128")));
        var options = new WebSocketClientOptions { Proxy = new WebProxy("http://proxy:3128") { Credentials = new NetworkCredential("bob", "pw") } };
        ProxyRoute? explicitProxy = ProxyRoute.Select(new Uri("ws://h/"), options, Env());

        Assert.That(fromEnvironment!.Credentials!.UserName, Is.EqualTo("ada"));
        Assert.That(fromEnvironment.Credentials.Password, Is.EqualTo("s@cret"));
        Assert.That(fromEnvironment.Address.UserInfo, Is.Empty, "the address never carries them");
        Assert.That(explicitProxy!.Credentials!.UserName, Is.EqualTo("bob"));
    }

    [Test]
    public void Select_ExplicitProxyWinsOverTheEnvironment_UseProxyFalseGoesDirect()
    {
        var environment = Env(("http_proxy", "http://env-proxy:1"));
        var options = new WebSocketClientOptions { Proxy = new WebProxy("http://explicit:2") };

        Assert.That(ProxyRoute.Select(new Uri("ws://h/"), options, environment)!.Address.Host, Is.EqualTo("explicit"));
        Assert.That(ProxyRoute.Select(new Uri("ws://h/"), new WebSocketClientOptions { UseProxy = false }, environment), Is.Null);
        Assert.That(ProxyRoute.Select(new Uri("ws://localhost/"), new WebSocketClientOptions { Proxy = new WebProxy("http://explicit:2", BypassOnLocal: true) }, environment), Is.Null, "IWebProxy.IsBypassed is honoured");
    }

    [Test]
    public void Select_UnsupportedScheme_SaysWhichAreSupported()
    {
        var error = Assert.Throws<HandshakeException>(() => Select("ws://h/", Env(("http_proxy", "https://tls-proxy:443"))));

        Assert.That(error!.Failure, Is.EqualTo(HandshakeFailure.Proxy));
        Assert.That(error.Message, Does.Contain("http://, socks5:// or socks5h://"));
    }

    private static ProxyRoute? Select(string target, Func<string, string?> environment) =>
        ProxyRoute.Select(new Uri(target), new WebSocketClientOptions(), environment);

    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = new Dictionary<string, string>();
        foreach ((string name, string value) in variables)
        {
            map[name] = value;
        }

        return name => map.TryGetValue(name, out string? value) ? value : null;
    }
}
