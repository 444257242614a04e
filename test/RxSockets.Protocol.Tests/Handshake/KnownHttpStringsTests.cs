using System.Collections.Generic;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

/// <summary>Parsed request heads share the strings every handshake repeats, and keep every spelling exactly (issue 7).</summary>
[TestFixture]
public class KnownHttpStringsTests
{
    [TestCase("Upgrade")]
    [TestCase("websocket")]
    [TestCase("Sec-WebSocket-Version")]
    [TestCase("13")]
    [TestCase("GET")]
    [TestCase("HTTP/1.1")]
    [TestCase("/")]
    public void Get_KnownString_ReturnsTheSharedInstance(string known)
    {
        string first = KnownHttpStrings.Get(Encoding.Latin1.GetBytes(known));
        string second = KnownHttpStrings.Get(Encoding.Latin1.GetBytes(known));
        Assert.That(first, Is.EqualTo(known));
        Assert.That(ReferenceEquals(first, second), Is.True);
    }

    [TestCase("UPGRADE")]
    [TestCase("WebSocket2")]
    [TestCase("1")]
    [TestCase("134")]
    [TestCase("café\u00ff")]
    [TestCase("")]
    public void Get_OtherString_DecodedExactly(string other) =>
        Assert.That(KnownHttpStrings.Get(Encoding.Latin1.GetBytes(other)), Is.EqualTo(other));

    [Test]
    public void ParseRequest_MixedSpellings_KeptAsSent()
    {
        byte[] data = Head(
            "GET /chat?x=1 HTTP/1.1",
            "host: example.com:80",
            "UPGRADE: WebSocket",
            "Connection: keep-alive, Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "sec-websocket-version: 13",
            "X-Custom: upgrade");

        HandshakeRequest request = Request(data).Message!;

        Assert.That(request.Method, Is.EqualTo("GET"));
        Assert.That(request.Target, Is.EqualTo("/chat?x=1"));
        var expected = new List<KeyValuePair<string, string>>
        {
            new("host", "example.com:80"),
            new("UPGRADE", "WebSocket"),
            new("Connection", "keep-alive, Upgrade"),
            new("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            new("sec-websocket-version", "13"),
            new("X-Custom", "upgrade"),
        };
        Assert.That(request.Headers.ToList(), Is.EqualTo(expected));
        Assert.That(request.Host, Is.EqualTo("example.com:80"));
    }
}
