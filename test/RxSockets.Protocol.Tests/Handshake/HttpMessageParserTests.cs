using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.2.1, RFC 7230 §3")]
public class HttpMessageParserTests
{
    private static readonly ProtocolLimits s_limits = ProtocolLimits.Default;

    [Test]
    public void ParseRequest_SampleWhole_ParsesEveryField()
    {
        byte[] data = Head(SampleRequestLines());

        HeadOutcome<HandshakeRequest> outcome = Request(data);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.ConsumedOffset, Is.EqualTo(data.Length));
        HandshakeRequest request = outcome.Message!;
        Assert.That(request.Method, Is.EqualTo("GET"));
        Assert.That(request.Target, Is.EqualTo("/chat"));
        Assert.That(request.Path, Is.EqualTo("/chat"));
        Assert.That(request.Query, Is.Empty);
        Assert.That(request.Version, Is.EqualTo("HTTP/1.1"));
        Assert.That(request.Host, Is.EqualTo("server.example.com"));
        Assert.That(request.Origin, Is.EqualTo("http://example.com"));
        Assert.That(request.SecWebSocketKey, Is.EqualTo("dGhlIHNhbXBsZSBub25jZQ=="));
        Assert.That(request.OfferedSubprotocols, Is.EqualTo(new[] { "chat", "superchat" }));
        Assert.That(request.Headers.Count, Is.EqualTo(7));
    }

    [Test]
    public void ParseRequest_ByteByByte_SameAsWhole()
    {
        byte[] data = Head(SampleRequestLines());

        HeadOutcome<HandshakeRequest> outcome = Request(data, ByteByByte(data));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.Calls, Is.EqualTo(data.Length));
        Assert.That(outcome.ConsumedOffset, Is.EqualTo(data.Length));
        Assert.That(outcome.Message!.ToString(), Is.EqualTo(Encoding.Latin1.GetString(data)));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(42)]
    [TestCase(6455)]
    public void ParseRequest_RandomChunks_SameAsWhole(int seed)
    {
        byte[] data = Head(SampleRequestLines());

        HeadOutcome<HandshakeRequest> outcome = Request(data, RandomChunks(data, seed));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.ConsumedOffset, Is.EqualTo(data.Length));
        Assert.That(outcome.Message!.ToString(), Is.EqualTo(Encoding.Latin1.GetString(data)));
    }

    [Test]
    public void ParseRequest_IncompleteHead_NeedsMoreData()
    {
        byte[] data = Head(SampleRequestLines());

        HeadOutcome<HandshakeRequest> outcome = Request(data, [data.Length - 1]);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.NeedMoreData));
    }

    [Test]
    public void ParseRequest_BytesAfterHead_LeftUnconsumed()
    {
        byte[] head = Head(SampleRequestLines());
        byte[] data = [.. head, 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]; // a masked text frame right behind

        HeadOutcome<HandshakeRequest> whole = Request(data);
        HeadOutcome<HandshakeRequest> byByte = Request(data, ByteByByte(data));

        Assert.That(whole.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(whole.ConsumedOffset, Is.EqualTo(head.Length));
        Assert.That(byByte.ConsumedOffset, Is.EqualTo(head.Length));
        Assert.That(byByte.Calls, Is.EqualTo(head.Length));
    }

    [Test]
    public void ParseRequest_TargetWithQuery_SplitsPathAndQuery()
    {
        HandshakeRequest request = Request(Head("GET /a/b%20c?x=1&y=?2 HTTP/1.1", "Host: h")).Message!;

        Assert.That(request.Target, Is.EqualTo("/a/b%20c?x=1&y=?2"));
        Assert.That(request.Path, Is.EqualTo("/a/b%20c"));
        Assert.That(request.Query, Is.EqualTo("x=1&y=?2"));
    }

    [Test]
    public void ParseRequest_ValueWithOwsAndObsText_TrimmedAndLatin1()
    {
        byte[] data = [.. Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nX-Name: \t caf"), 0xE9, .. Encoding.ASCII.GetBytes(" \t\r\nEmpty:\r\n\r\n")];

        HandshakeRequest request = Request(data).Message!;

        Assert.That(request.Headers.GetFirst("x-name"), Is.EqualTo("café"));
        Assert.That(request.Headers.GetFirst("Empty"), Is.Empty);
    }

    [Test]
    public void ParseRequest_CombinedHeaderLines_AllValuesKept()
    {
        HandshakeRequest request = Request(Head(
            "GET / HTTP/1.1",
            "Host: h",
            "Connection: keep-alive",
            "connection: Upgrade",
            "Sec-WebSocket-Protocol: chat",
            "Sec-WebSocket-Protocol: superchat, v2",
            "Sec-WebSocket-Extensions: a; x=1",
            "Sec-WebSocket-Extensions: b")).Message!;

        Assert.That(request.Headers.GetTokens("Connection"), Is.EqualTo(new[] { "keep-alive", "Upgrade" }));
        Assert.That(request.OfferedSubprotocols, Is.EqualTo(new[] { "chat", "superchat", "v2" }));
        Assert.That(request.TryGetOfferedExtensions(out IReadOnlyList<ExtensionOffer> offers), Is.True);
        Assert.That(offers.Select(o => o.ToString()), Is.EqualTo(new[] { "a; x=1", "b" }));
    }

    private static IEnumerable<TestCaseData> MalformedRequests()
    {
        yield return new TestCaseData("GET /\r\n\r\n").SetName("ParseRequest_RequestLineWithoutVersion_Fails400");
        yield return new TestCaseData("GET  / HTTP/1.1\r\n\r\n").SetName("ParseRequest_DoubleSpace_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1 \r\n\r\n").SetName("ParseRequest_TrailingSpace_Fails400");
        yield return new TestCaseData("G(T / HTTP/1.1\r\n\r\n").SetName("ParseRequest_MethodNotToken_Fails400");
        yield return new TestCaseData("GET chat HTTP/1.1\r\n\r\n").SetName("ParseRequest_TargetNotOriginForm_Fails400");
        yield return new TestCaseData("GET / HTTX/1.1\r\n\r\n").SetName("ParseRequest_VersionMalformed_Fails400");
        yield return new TestCaseData("\r\nGET / HTTP/1.1\r\n\r\n").SetName("ParseRequest_EmptyLineBeforeRequestLine_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\nHost: h\r\n\r\n").SetName("ParseRequest_BareLfAfterRequestLine_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nHost: h\n\r\n").SetName("ParseRequest_BareLfAfterHeader_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nHost h\r\n\r\n").SetName("ParseRequest_HeaderWithoutColon_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nHost : h\r\n\r\n").SetName("ParseRequest_WhitespaceBeforeColon_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\n: h\r\n\r\n").SetName("ParseRequest_EmptyHeaderName_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n").SetName("ParseRequest_HeaderNameNotToken_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n").SetName("ParseRequest_ObsFold_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nX: a\u0001b\r\n\r\n").SetName("ParseRequest_ControlCharInValue_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n").SetName("ParseRequest_NulInValue_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n").SetName("ParseRequest_BareCrInValue_Fails400");
        yield return new TestCaseData("GET / HTTP/1.1\r\nX: a\u007Fb\r\n\r\n").SetName("ParseRequest_DelInValue_Fails400");
    }

    [TestCaseSource(nameof(MalformedRequests))]
    public void ParseRequest_Malformed_Fails400(string head)
    {
        byte[] data = Encoding.Latin1.GetBytes(head);

        HeadOutcome<HandshakeRequest> whole = Request(data);
        HeadOutcome<HandshakeRequest> byByte = Request(data, ByteByByte(data));

        Assert.That(whole.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(whole.Error.StatusCode, Is.EqualTo(400));
        Assert.That(whole.Error.Reason, Does.Contain("RFC 7230"));
        Assert.That(byByte.Error, Is.EqualTo(whole.Error));
    }

    [TestCase("HTTP/1.0")]
    [TestCase("HTTP/2.0")]
    [TestCase("HTTP/0.9")]
    public void ParseRequest_VersionOtherThan11_Fails505(string version)
    {
        HeadOutcome<HandshakeRequest> outcome = Request(Head($"GET / {version}", "Host: h"));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(505));
    }

    [Test]
    public void ParseRequest_Version505_ReportedAtRequestLine()
    {
        HeadOutcome<HandshakeRequest> outcome = Request(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n"));

        Assert.That(outcome.Error.StatusCode, Is.EqualTo(505));
    }

    [Test]
    public void ParseRequest_RequestLineAtLimit_Parses()
    {
        string line = RequestLineOfLength(s_limits.MaxHeaderLineLength);

        HeadOutcome<HandshakeRequest> outcome = Request(Head(line, "Host: h"));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.Message!.Target.Length, Is.EqualTo(s_limits.MaxHeaderLineLength - "GET  HTTP/1.1".Length));
    }

    [Test]
    public void ParseRequest_RequestLineOverLimit_Fails414()
    {
        string line = RequestLineOfLength(s_limits.MaxHeaderLineLength + 1);

        HeadOutcome<HandshakeRequest> outcome = Request(Head(line, "Host: h"));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(414));
    }

    [Test]
    public void ParseRequest_RequestLineOverLimit_Fails414BeforeCrlf()
    {
        byte[] data = Encoding.ASCII.GetBytes("GET /" + new string('a', s_limits.MaxHeaderLineLength));

        HeadOutcome<HandshakeRequest> atLimit = Request(data[..s_limits.MaxHeaderLineLength]);
        HeadOutcome<HandshakeRequest> overLimit = Request(data[..(s_limits.MaxHeaderLineLength + 1)], ByteByByte(data[..(s_limits.MaxHeaderLineLength + 1)]));

        Assert.That(atLimit.Result, Is.EqualTo(HttpParseResult.NeedMoreData));
        Assert.That(overLimit.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(overLimit.Error.StatusCode, Is.EqualTo(414));
        Assert.That(overLimit.Calls, Is.EqualTo(s_limits.MaxHeaderLineLength + 1), "reported on the first byte over the limit");
    }

    [Test]
    public void ParseRequest_HeaderLineAtLimit_Parses()
    {
        string header = HeaderLineOfLength(s_limits.MaxHeaderLineLength);

        HeadOutcome<HandshakeRequest> outcome = Request(Head("GET / HTTP/1.1", header, "Host: h"));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.Message!.Headers.GetFirst("X-Long")!.Length, Is.EqualTo(s_limits.MaxHeaderLineLength - "X-Long: ".Length));
    }

    [Test]
    public void ParseRequest_HeaderLineOverLimit_Fails431()
    {
        string header = HeaderLineOfLength(s_limits.MaxHeaderLineLength + 1);

        HeadOutcome<HandshakeRequest> outcome = Request(Head("GET / HTTP/1.1", header, "Host: h"));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(431));
    }

    [Test]
    public void ParseRequest_HeaderLineAtLimitWithPendingCr_NeedsMoreData()
    {
        byte[] data = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n" + HeaderLineOfLength(s_limits.MaxHeaderLineLength) + "\r");

        HeadOutcome<HandshakeRequest> outcome = Request(data);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.NeedMoreData));
    }

    [Test]
    public void ParseRequest_HeaderLineOverLimit_Fails431BeforeCrlf()
    {
        byte[] data = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n" + HeaderLineOfLength(s_limits.MaxHeaderLineLength + 1));
        var chunks = new List<int> { 16 };
        chunks.AddRange(Enumerable.Repeat(1, data.Length - 16));

        HeadOutcome<HandshakeRequest> outcome = Request(data, chunks);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(431));
        Assert.That(outcome.Calls, Is.EqualTo(chunks.Count), "reported on the first byte over the limit");
    }

    [Test]
    public void ParseRequest_MaxHeaderCount_Parses()
    {
        HeadOutcome<HandshakeRequest> outcome = Request(HeadWithHeaders(s_limits.MaxHeaderCount));

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(outcome.Message!.Headers.Count, Is.EqualTo(128));
    }

    [Test]
    public void ParseRequest_OneHeaderOverMaxCount_Fails431()
    {
        byte[] data = HeadWithHeaders(s_limits.MaxHeaderCount + 1);

        HeadOutcome<HandshakeRequest> outcome = Request(data);

        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Error));
        Assert.That(outcome.Error.StatusCode, Is.EqualTo(431));
        Assert.That(outcome.Error.Reason, Does.Contain("128"));
    }

    [Test]
    public void ParseRequest_OneHeaderOverMaxCount_Fails431OnItsFirstByte()
    {
        byte[] full = HeadWithHeaders(s_limits.MaxHeaderCount + 1);
        int firstByteOf129th = Encoding.ASCII.GetString(full).IndexOf("X-129:", StringComparison.Ordinal);
        byte[] data = full[..(firstByteOf129th + 1)];

        HeadOutcome<HandshakeRequest> outcome = Request(data);

        Assert.That(outcome.Error.StatusCode, Is.EqualTo(431));
    }

    [Test]
    public void ParseRequest_CustomLimits_Applied()
    {
        var limits = new ProtocolLimits { MaxHeaderLineLength = 20, MaxHeaderCount = 2 };

        HeadOutcome<HandshakeRequest> ok = Request(Head("GET /123456 HTTP/1.1", "A: 1", "B: 2"), limits: limits); // request line of exactly 20 bytes
        HeadOutcome<HandshakeRequest> longLine = Request(Head("GET /1234567 HTTP/1.1"), limits: limits);
        HeadOutcome<HandshakeRequest> tooMany = Request(Head("GET / HTTP/1.1", "A: 1", "B: 2", "C: 3"), limits: limits);

        Assert.That(ok.Result, Is.EqualTo(HttpParseResult.Done));
        Assert.That(longLine.Error.StatusCode, Is.EqualTo(414));
        Assert.That(tooMany.Error.StatusCode, Is.EqualTo(431));
    }

    [Test]
    public void ParseRequest_AfterError_KeepsReturningIt()
    {
        var parser = new HttpMessageParser();
        var input = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nbad\r\n"));

        parser.ParseRequest(input, out _, out _, out _, out HttpParseError first);
        HttpParseResult again = parser.ParseRequest(input, out _, out _, out _, out HttpParseError second);

        Assert.That(again, Is.EqualTo(HttpParseResult.Error));
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void ParseRequest_AfterDone_ParsesAnotherHead()
    {
        var parser = new HttpMessageParser();
        var input = new ReadOnlySequence<byte>(Head("GET /one HTTP/1.1", "Host: h"));

        parser.ParseRequest(input, out _, out _, out HandshakeRequest? first, out _);
        parser.ParseRequest(input, out _, out _, out HandshakeRequest? second, out _);

        Assert.That(first!.Target, Is.EqualTo("/one"));
        Assert.That(second!.Target, Is.EqualTo("/one"));
        Assert.That(second.Headers, Is.Not.SameAs(first.Headers));
    }

    [Test]
    public void ParseRequest_InputShorterThanExamined_Throws()
    {
        var parser = new HttpMessageParser();
        parser.ParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: h\r\n")), out _, out _, out _, out _);

        Assert.That(
            () => parser.ParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET")), out _, out _, out _, out _),
            Throws.InvalidOperationException);
    }

    [Test]
    public void ParseResponse_WhileParsingRequest_Throws()
    {
        var parser = new HttpMessageParser();
        parser.ParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET / HT")), out _, out _, out _, out _);

        Assert.That(
            () => parser.ParseResponse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("GET / HT")), out _, out _, out _, out _),
            Throws.InvalidOperationException);
    }

    [Test]
    public void Constructor_ZeroLimit_Throws()
    {
        Assert.That(() => new HttpMessageParser(new ProtocolLimits { MaxHeaderCount = 0 }), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>"GET /aaa… HTTP/1.1" of exactly <paramref name="length"/> bytes.</summary>
    private static string RequestLineOfLength(int length) =>
        "GET /" + new string('a', length - "GET / HTTP/1.1".Length) + " HTTP/1.1";

    /// <summary>"X-Long: vvv…" of exactly <paramref name="length"/> bytes.</summary>
    private static string HeaderLineOfLength(int length) => "X-Long: " + new string('v', length - "X-Long: ".Length);

    private static byte[] HeadWithHeaders(int count)
    {
        var lines = new List<string> { "GET / HTTP/1.1" };
        for (int i = 1; i <= count; i++)
        {
            lines.Add($"X-{i}: {i}");
        }

        return Head([.. lines]);
    }
}
