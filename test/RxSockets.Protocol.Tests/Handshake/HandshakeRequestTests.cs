using System;
using System.Buffers;
using System.Collections.Generic;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.1")]
public class HandshakeRequestTests
{
    [TestCase("/", "/", "")]
    [TestCase("/chat", "/chat", "")]
    [TestCase("/chat?", "/chat", "")]
    [TestCase("/chat?a=1?b", "/chat", "a=1?b")]
    public void Constructor_Target_SplitsPathAndQuery(string target, string path, string query)
    {
        var request = new HandshakeRequest("GET", target, "HTTP/1.1", new HttpHeaders());

        Assert.That(request.Path, Is.EqualTo(path));
        Assert.That(request.Query, Is.EqualTo(query));
    }

    [TestCase("GET", "chat", "HTTP/1.1")]
    [TestCase("GET", "/a b", "HTTP/1.1")]
    [TestCase("GET", "", "HTTP/1.1")]
    [TestCase("G T", "/", "HTTP/1.1")]
    [TestCase("GET", "/", "HTTP/1")]
    [TestCase("GET", "/", "http/1.1")]
    public void Constructor_Malformed_Throws(string method, string target, string version)
    {
        Assert.That(() => new HandshakeRequest(method, target, version, new HttpHeaders()), Throws.ArgumentException);
    }

    [Test]
    public void WriteTo_ThenParse_RoundTrips()
    {
        var headers = new HttpHeaders();
        headers.Add("Host", "example.com:8080");
        headers.Add("Sec-WebSocket-Extensions", "a; b=\"1\"");
        headers.Add("Sec-WebSocket-Extensions", "c");
        var original = new HandshakeRequest("GET", "/x?y=z", "HTTP/1.1", headers);
        var writer = new ArrayBufferWriter<byte>();
        original.WriteTo(writer);
        byte[] bytes = writer.WrittenSpan.ToArray();

        HandshakeRequest parsed = Request(bytes, RandomChunks(bytes, 5)).Message!;

        Assert.That(parsed.ToString(), Is.EqualTo(original.ToString()));
        Assert.That(parsed.TryGetOfferedExtensions(out IReadOnlyList<ExtensionOffer> offers), Is.True);
        Assert.That(offers.Count, Is.EqualTo(2));
    }

    [Test]
    public void TryGetOfferedExtensions_Malformed_False()
    {
        var headers = new HttpHeaders();
        headers.Add("Sec-WebSocket-Extensions", "a;");

        Assert.That(new HandshakeRequest("GET", "/", "HTTP/1.1", headers).TryGetOfferedExtensions(out _), Is.False);
    }

    [Test]
    public void Convenience_Absent_Null()
    {
        var request = new HandshakeRequest("GET", "/", "HTTP/1.1", new HttpHeaders());

        Assert.That(request.Host, Is.Null);
        Assert.That(request.Origin, Is.Null);
        Assert.That(request.SecWebSocketKey, Is.Null);
        Assert.That(request.OfferedSubprotocols, Is.Empty);
    }

    [Test]
    public void WriteTo_Null_Throws()
    {
        Assert.That(() => new HandshakeRequest("GET", "/", "HTTP/1.1", new HttpHeaders()).WriteTo(null!), Throws.ArgumentNullException);
    }
}
