using System;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §10.2")]
public sealed class OriginPolicyTests
{
    [TestCase("https://app.example.com", true)]
    [TestCase("HTTPS://APP.EXAMPLE.COM", true)]
    [TestCase("https://chat.example.com", true)]
    [TestCase("https://a.b.example.com", true)]
    [TestCase("https://example.com", false)]
    [TestCase("https://evil.com/.example.com", false)]
    [TestCase("https://evil.com", false)]
    [TestCase("http://localhost:8080", true)]
    [TestCase("http://localhost:8080/x", false)]
    [TestCase("http://localhost", false)]
    public void IsAllowed_ExactAndWildcardPatterns(string origin, bool allowed)
    {
        var policy = new OriginPolicy(["https://app.example.com", "https://*.example.com", "http://localhost:*"]);

        Assert.That(policy.IsAllowed(origin), Is.EqualTo(allowed));
    }

    [Test]
    public void IsAllowed_MissingOrigin_FollowsAllowMissing()
    {
        Assert.That(new OriginPolicy(["https://a"]).IsAllowed(null), Is.True);
        Assert.That(new OriginPolicy(["https://a"], allowMissing: false).IsAllowed(null), Is.False);
    }

    [TestCase("")]
    [TestCase("https://*.*.example.com")]
    public void Constructor_BadPattern_Throws(string pattern)
    {
        Assert.That(() => new OriginPolicy([pattern]), Throws.ArgumentException);
    }

    [Test]
    public void Negotiate_RefusedOrigin_Gets403()
    {
        var handshake = new ServerHandshake { Origins = new OriginPolicy(["https://good.example"]) };
        string[] lines =
        [
            "GET / HTTP/1.1", "Host: h", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        ];

        ServerHandshakeResult evil = handshake.Negotiate(ServerHandshakeTests.Parse([.. lines, "Origin: https://evil.example"]));
        ServerHandshakeResult good = handshake.Negotiate(ServerHandshakeTests.Parse([.. lines, "Origin: https://good.example"]));
        ServerHandshakeResult none = handshake.Negotiate(ServerHandshakeTests.Parse(lines));

        Assert.That(evil.StatusCode, Is.EqualTo(403));
        Assert.That(good.IsAccepted, Is.True);
        Assert.That(none.IsAccepted, Is.True, "non-browser clients send no Origin");
    }
}
