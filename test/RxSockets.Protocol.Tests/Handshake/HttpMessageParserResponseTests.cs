using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.1, RFC 7230 §3.1.2")]
public class HttpMessageParserResponseTests
{
    private static readonly string[] s_sampleResponse =
    [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        "Sec-WebSocket-Protocol: chat",
    ];

    [Test]
    public void ParseResponse_Sample_ParsesStatusAndHeaders()
    {
        byte[] data = Head(s_sampleResponse);

        HeadOutcome<HandshakeResponse> outcome = Response(data);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.Message!.StatusCode, Is.EqualTo(101));
        Assert.That(outcome.Message.ReasonPhrase, Is.EqualTo("Switching Protocols"));
        Assert.That(outcome.Message.Headers.GetFirst("sec-websocket-accept"), Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        Assert.That(outcome.Message.Body.IsEmpty, Is.True);
    }

    [Test]
    public void ParseResponse_FramesRightBehindHead_LeftUnconsumed()
    {
        byte[] head = Head(s_sampleResponse);
        byte[] data = [.. head, 0x81, 0x02, (byte)'h', (byte)'i']; // FIN text, unmasked, length 2: "hi"

        HeadOutcome<HandshakeResponse> whole = Response(data);
        HeadOutcome<HandshakeResponse> byByte = Response(data, ByteByByte(data));
        HeadOutcome<HandshakeResponse> random = Response(data, RandomChunks(data, 7));

        Assert.That(whole.ConsumedOffset, Is.EqualTo(head.Length));
        Assert.That(byByte.ConsumedOffset, Is.EqualTo(head.Length));
        Assert.That(byByte.Calls, Is.EqualTo(head.Length));
        Assert.That(random.ConsumedOffset, Is.EqualTo(head.Length));
    }

    [TestCase("HTTP/1.1 101", 101, "")]
    [TestCase("HTTP/1.1 101 ", 101, "")]
    [TestCase("HTTP/1.0 403 Forbidden", 403, "Forbidden")]
    [TestCase("HTTP/1.1 500 Internal  Server\tError", 500, "Internal  Server\tError")]
    public void ParseResponse_StatusLineVariants_Parsed(string statusLine, int status, string reason)
    {
        HandshakeResponse response = Response(Head(statusLine)).Message!;

        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That(response.ReasonPhrase, Is.EqualTo(reason));
    }

    [TestCase("HTTP/1.1 1O1 Switching", 400)]
    [TestCase("HTTP/1.1 10 Switching", 400)]
    [TestCase("HTTP/1.1  101 Switching", 400)]
    [TestCase("HTTP/1.1 601 Nope", 400)]
    [TestCase("HTTP/1.1 1011 Switching", 400)]
    [TestCase("HTTP/1.1101 Switching", 400)]
    [TestCase("ICY 200 OK", 400)]
    [TestCase("HTTP/2.0 101 Switching Protocols", 505)]
    [TestCase("HTTP/1.1 101 Switching\u0001Protocols", 400)]
    public void ParseResponse_MalformedStatusLine_Fails(string statusLine, int status)
    {
        HeadOutcome<HandshakeResponse> outcome = Response(Head(statusLine));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(status));
    }

    [Test]
    public void ParseResponse_StatusLineOverLimitBeforeCrlf_Fails()
    {
        var limits = new ProtocolLimits { MaxHeaderLineLength = 32 };
        byte[] data = Encoding.ASCII.GetBytes("HTTP/1.1 101 " + new string('x', 20));

        HeadOutcome<HandshakeResponse> outcome = Response(data, limits: limits);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.Reason, Does.Contain("status line"));
    }

    [Test]
    public void ParseResponse_HeaderWithoutColon_Fails400()
    {
        HeadOutcome<HandshakeResponse> outcome = Response(Head("HTTP/1.1 101 Switching Protocols", "Upgrade websocket"));

        Assert.That(outcome.Error.StatusCode, Is.EqualTo(400));
    }
}
