using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.2.2")]
public class HandshakeResponseTests
{
    [Test]
    public void CreateAccept_SampleKey_101WithHandshakeHeaders()
    {
        HandshakeResponse response = HandshakeResponse.CreateAccept("dGhlIHNhbXBsZSBub25jZQ==", "chat", [new ExtensionOffer("x-foo")]);

        Assert.That(response.StatusCode, Is.EqualTo(101));
        Assert.That(response.ReasonPhrase, Is.EqualTo("Switching Protocols"));
        Assert.That(response.Headers.Select(h => $"{h.Key}: {h.Value}"), Is.EqualTo(new[]
        {
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Protocol: chat",
            "Sec-WebSocket-Extensions: x-foo",
        }));
        Assert.That(response.Body.IsEmpty, Is.True);
    }

    [Test]
    public void CreateAccept_SubprotocolNotToken_Throws()
    {
        Assert.That(() => HandshakeResponse.CreateAccept("dGhlIHNhbXBsZSBub25jZQ==", "a b"), Throws.ArgumentException);
    }

    [Test]
    public void CreateError_Message_PlainTextBodyWithLengthAndClose()
    {
        HandshakeResponse response = HandshakeResponse.CreateError(400, "Missing Sec-WebSocket-Key – bad");
        var writer = new ArrayBufferWriter<byte>();

        response.WriteTo(writer);

        byte[] body = Encoding.UTF8.GetBytes("Missing Sec-WebSocket-Key – bad\n");
        string head = "HTTP/1.1 400 Bad Request\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            "Connection: close\r\n" +
            "\r\n";
        Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(Encoding.ASCII.GetBytes(head).Concat(body).ToArray()));
    }

    [Test]
    public void CreateError_ExtraHeaders_WrittenFirst()
    {
        var headers = new HttpHeaders();
        headers.Add("Allow", "GET");

        HandshakeResponse response = HandshakeResponse.CreateError(405, "GET only", headers);

        Assert.That(response.ReasonPhrase, Is.EqualTo("Method Not Allowed"));
        Assert.That(response.Headers.First().Key, Is.EqualTo("Allow"));
    }

    [TestCase(414, "URI Too Long")]
    [TestCase(426, "Upgrade Required")]
    [TestCase(431, "Request Header Fields Too Large")]
    [TestCase(505, "HTTP Version Not Supported")]
    [TestCase(499, "Client Error")]
    [TestCase(599, "Server Error")]
    public void CreateError_Status_StandardReasonPhrase(int status, string phrase)
    {
        Assert.That(HandshakeResponse.CreateError(status, "x").ReasonPhrase, Is.EqualTo(phrase));
    }

    [TestCase(200)]
    [TestCase(600)]
    public void CreateError_NotAnErrorStatus_Throws(int status)
    {
        Assert.That(() => HandshakeResponse.CreateError(status, "x"), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Constructor_ReasonWithNewline_Throws()
    {
        Assert.That(() => new HandshakeResponse(200, "OK\r\nX: y", new HttpHeaders()), Throws.ArgumentException);
    }

    [Test]
    public void WriteTo_ThenParse_RoundTrips()
    {
        HandshakeResponse original = HandshakeResponse.CreateError(426, "Version 13 only");
        var writer = new ArrayBufferWriter<byte>();
        original.WriteTo(writer);
        byte[] bytes = writer.WrittenSpan.ToArray();

        HeadOutcome<HandshakeResponse> parsed = Response(bytes, ByteByByte(bytes));

        Assert.That(parsed.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(parsed.Message!.StatusCode, Is.EqualTo(426));
        Assert.That(parsed.Message.Headers.ToString(), Is.EqualTo(original.Headers.ToString()));
        Assert.That(bytes.Length - parsed.ConsumedOffset, Is.EqualTo(original.Body.Length), "the body is left for the caller");
    }

    [Test]
    public void ToString_StatusLine()
    {
        Assert.That(HandshakeResponse.CreateError(431, "x").ToString(), Is.EqualTo("HTTP/1.1 431 Request Header Fields Too Large"));
    }
}
