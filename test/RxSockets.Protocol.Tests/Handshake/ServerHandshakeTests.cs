using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.2.1, §4.2.2, §4.4")]
public class ServerHandshakeTests
{
    private const string SampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    [Test]
    public void Negotiate_RfcSample_Accepts101WithAccept()
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(SampleRequestLines()));

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.StatusCode, Is.EqualTo(101));
        Assert.That(result.RejectionReason, Is.Null);
        HttpHeaders headers = result.Response.Headers;
        Assert.That(headers.GetFirst("Upgrade"), Is.EqualTo("websocket"));
        Assert.That(headers.GetFirst("Connection"), Is.EqualTo("Upgrade"));
        Assert.That(headers.GetFirst("Sec-WebSocket-Accept"), Is.EqualTo(SampleAccept));
        Assert.That(headers.Contains("Sec-WebSocket-Protocol"), Is.False, "no subprotocol is supported");
        Assert.That(headers.Contains("Sec-WebSocket-Extensions"), Is.False);
        Assert.That(headers.Contains("Server"), Is.False);
    }

    [Test]
    public void Negotiate_Accepted_WritesExactBytes()
    {
        var handshake = new ServerHandshake { SupportedSubprotocols = ["chat"], ServerHeader = "RxSockets" };
        ServerHandshakeResult result = handshake.Negotiate(Parse(SampleRequestLines()));
        var writer = new ArrayBufferWriter<byte>();

        result.Response.WriteTo(writer);

        Assert.That(Encoding.ASCII.GetString(writer.WrittenSpan), Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
            "Sec-WebSocket-Protocol: chat\r\n" +
            "Server: RxSockets\r\n" +
            "\r\n"));
    }

    [Test]
    public void Negotiate_CaseInsensitiveTokensAndCombinedConnection_Accepts()
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(
            "GET / HTTP/1.1", "Host: h", "Upgrade: WebSocket", "Connection: keep-alive", "CONNECTION: upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));

        Assert.That(result.IsAccepted, Is.True);
    }

    [Test]
    public void Negotiate_PostMethod_Rejects405WithAllow()
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(Replace(SampleRequestLines(), 0, "POST /chat HTTP/1.1")));

        Assert.That(result.IsAccepted, Is.False);
        Assert.That(result.StatusCode, Is.EqualTo(405));
        Assert.That(result.Response.ReasonPhrase, Is.EqualTo("Method Not Allowed"));
        Assert.That(result.Response.Headers.GetFirst("Allow"), Is.EqualTo("GET"));
    }

    [Test]
    public void Negotiate_Http10Request_Rejects505()
    {
        var request = new HandshakeRequest("GET", "/", "HTTP/1.0", Parse(SampleRequestLines()).Headers);

        Assert.That(new ServerHandshake().Negotiate(request).StatusCode, Is.EqualTo(505));
    }

    private static IEnumerable<TestCaseData> BadRequests()
    {
        string[] sample = SampleRequestLines();
        yield return Case(Remove(sample, "Host"), "Host").SetName("Negotiate_NoHost_Rejects400");
        yield return Case([.. sample, "Host: other"], "Host").SetName("Negotiate_TwoHosts_Rejects400");
        yield return Case(Remove(sample, "Connection"), "Connection").SetName("Negotiate_NoConnection_Rejects400");
        yield return Case(Replace(sample, 3, "Connection: keep-alive"), "Connection").SetName("Negotiate_ConnectionWithoutUpgrade_Rejects400");
        yield return Case(Remove(sample, "Sec-WebSocket-Key"), "Sec-WebSocket-Key").SetName("Negotiate_NoKey_Rejects400");
        yield return Case(Replace(sample, 4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ"), "Sec-WebSocket-Key").SetName("Negotiate_KeyWithoutPadding_Rejects400");
        yield return Case(Replace(sample, 4, "Sec-WebSocket-Key: c2hvcnQ="), "Sec-WebSocket-Key").SetName("Negotiate_KeyOf5Bytes_Rejects400");
        yield return Case(Replace(sample, 4, "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=="), "Sec-WebSocket-Key").SetName("Negotiate_KeyNotBase64_Rejects400");
        yield return Case([.. sample, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="], "Sec-WebSocket-Key").SetName("Negotiate_TwoKeys_Rejects400");
        yield return Case(Replace(sample, 6, "Sec-WebSocket-Protocol: chat, \"quoted\""), "Sec-WebSocket-Protocol").SetName("Negotiate_SubprotocolNotToken_Rejects400");
        yield return Case([.. sample, "Sec-WebSocket-Extensions: permessage-deflate; =1"], "Sec-WebSocket-Extensions").SetName("Negotiate_MalformedExtensions_Rejects400");
    }

    [TestCaseSource(nameof(BadRequests))]
    public void Negotiate_Malformed_Rejects400WithReason(string[] lines, string mentioned)
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(lines));

        Assert.That(result.IsAccepted, Is.False);
        Assert.That(result.StatusCode, Is.EqualTo(400));
        Assert.That(result.RejectionReason, Does.Contain(mentioned));
        Assert.That(Encoding.UTF8.GetString(result.Response.Body.Span), Is.EqualTo(result.RejectionReason + "\n"));
        Assert.That(result.Response.Headers.GetFirst("Connection"), Is.EqualTo("close"));
    }

    [TestCase("Sec-WebSocket-Version: 8")]
    [TestCase("Sec-WebSocket-Version: 14")]
    [TestCase("Sec-WebSocket-Version: 13, 8")]
    [TestCase(null)]
    public void Negotiate_VersionNot13_Rejects426WithVersionHeader(string? versionLine)
    {
        string[] lines = Remove(SampleRequestLines(), "Sec-WebSocket-Version");
        if (versionLine is not null)
        {
            lines = [.. lines, versionLine];
        }

        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(lines));

        Assert.That(result.StatusCode, Is.EqualTo(426));
        Assert.That(result.Response.ReasonPhrase, Is.EqualTo("Upgrade Required"));
        Assert.That(result.Response.Headers.GetFirst("Sec-WebSocket-Version"), Is.EqualTo("13"));
        Assert.That(result.Response.Headers.GetFirst("Upgrade"), Is.EqualTo("websocket"));
    }

    [Test]
    public void Negotiate_PlainHttpRequest_Rejects426()
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse("GET / HTTP/1.1", "Host: h", "Accept: text/html"));

        Assert.That(result.StatusCode, Is.EqualTo(426));
        Assert.That(result.Response.Headers.GetFirst("Sec-WebSocket-Version"), Is.EqualTo("13"));
        Assert.That(result.RejectionReason, Does.Contain("WebSocket only"));
    }

    [Test]
    public void Negotiate_UpgradeToOtherProtocol_Rejects426()
    {
        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(Replace(SampleRequestLines(), 2, "Upgrade: h2c")));

        Assert.That(result.StatusCode, Is.EqualTo(426));
    }

    [Test]
    public void Negotiate_BadVersionAndNoKey_VersionReportedFirst()
    {
        string[] lines = Remove(Remove(SampleRequestLines(), "Sec-WebSocket-Key"), "Sec-WebSocket-Version");

        Assert.That(new ServerHandshake().Negotiate(Parse([.. lines, "Sec-WebSocket-Version: 8"])).StatusCode, Is.EqualTo(426));
    }

    [Test]
    public void Negotiate_SupportedList_SelectsServerPreference()
    {
        var handshake = new ServerHandshake { SupportedSubprotocols = ["superchat", "chat"] };

        ServerHandshakeResult result = handshake.Negotiate(Parse(SampleRequestLines())); // client offers "chat, superchat"

        Assert.That(result.Subprotocol, Is.EqualTo("superchat"));
        Assert.That(result.Response.Headers.GetAll("Sec-WebSocket-Protocol"), Is.EqualTo(new[] { "superchat" }));
    }

    [Test]
    public void Negotiate_OffersOnSeveralLines_SelectsAcrossLines()
    {
        string[] lines = [.. Remove(SampleRequestLines(), "Sec-WebSocket-Protocol"), "Sec-WebSocket-Protocol: a", "Sec-WebSocket-Protocol: b, chat"];
        var handshake = new ServerHandshake { SupportedSubprotocols = ["chat"] };

        Assert.That(handshake.Negotiate(Parse(lines)).Subprotocol, Is.EqualTo("chat"));
    }

    [Test]
    public void Negotiate_NoneMatching_NoSubprotocolHeader()
    {
        var handshake = new ServerHandshake { SupportedSubprotocols = ["mqtt", "Chat"] };

        ServerHandshakeResult result = handshake.Negotiate(Parse(SampleRequestLines()));

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.Subprotocol, Is.Null);
        Assert.That(result.Response.Headers.Contains("Sec-WebSocket-Protocol"), Is.False);
    }

    [Test]
    public void Negotiate_NoneOffered_NoSubprotocolAndSelectorNotCalled()
    {
        bool called = false;
        var handshake = new ServerHandshake
        {
            SupportedSubprotocols = ["chat"],
            SubprotocolSelector = (_, _) =>
            {
                called = true;
                return null;
            },
        };

        ServerHandshakeResult result = handshake.Negotiate(Parse(Remove(SampleRequestLines(), "Sec-WebSocket-Protocol")));

        Assert.That(result.Subprotocol, Is.Null);
        Assert.That(called, Is.False);
    }

    [Test]
    public void Negotiate_Selector_SeesOffersAndWins()
    {
        IReadOnlyList<string>? seen = null;
        var handshake = new ServerHandshake
        {
            SupportedSubprotocols = ["superchat"],
            SubprotocolSelector = (request, offered) =>
            {
                seen = offered;
                return request.Path == "/chat" ? offered[0] : null;
            },
        };

        ServerHandshakeResult result = handshake.Negotiate(Parse(SampleRequestLines()));

        Assert.That(seen, Is.EqualTo(new[] { "chat", "superchat" }));
        Assert.That(result.Subprotocol, Is.EqualTo("chat"));
    }

    [Test]
    public void Negotiate_SelectorReturnsUnoffered_Throws()
    {
        var handshake = new ServerHandshake { SubprotocolSelector = (_, _) => "mqtt" };

        Assert.That(() => handshake.Negotiate(Parse(SampleRequestLines())), Throws.InvalidOperationException);
    }

    [Test]
    public void Negotiate_ExtensionsOfferedWithoutSelector_Declined()
    {
        string[] lines = [.. SampleRequestLines(), "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"];

        ServerHandshakeResult result = new ServerHandshake().Negotiate(Parse(lines));

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.Extensions, Is.Empty);
        Assert.That(result.Response.Headers.Contains("Sec-WebSocket-Extensions"), Is.False);
    }

    [Test]
    public void Negotiate_ExtensionSelector_SeesCombinedOffersAndItsAnswerIsWritten()
    {
        string[] lines = [.. SampleRequestLines(), "Sec-WebSocket-Extensions: x-foo", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"];
        IReadOnlyList<ExtensionOffer>? seen = null;
        var handshake = new ServerHandshake
        {
            ExtensionSelector = (_, offers) =>
            {
                seen = offers;
                return [new ExtensionOffer("permessage-deflate", [new ExtensionParameter("server_max_window_bits", "10")])];
            },
        };

        ServerHandshakeResult result = handshake.Negotiate(Parse(lines));

        Assert.That(seen!.Select(o => o.Name), Is.EqualTo(new[] { "x-foo", "permessage-deflate" }));
        Assert.That(result.Extensions.Select(e => e.ToString()), Is.EqualTo(new[] { "permessage-deflate; server_max_window_bits=10" }));
        Assert.That(result.Response.Headers.GetFirst("Sec-WebSocket-Extensions"), Is.EqualTo("permessage-deflate; server_max_window_bits=10"));
    }

    [Test]
    public void Negotiate_ExtensionSelectorAcceptsUnoffered_Throws()
    {
        string[] lines = [.. SampleRequestLines(), "Sec-WebSocket-Extensions: x-foo"];
        var handshake = new ServerHandshake { ExtensionSelector = (_, _) => [new ExtensionOffer("permessage-deflate")] };

        Assert.That(() => handshake.Negotiate(Parse(lines)), Throws.InvalidOperationException);
    }

    [Test]
    public void Negotiate_ExtraHeaders_AppendedAfterHandshakeHeaders()
    {
        var extra = new HttpHeaders();
        extra.Add("Set-Cookie", "id=1");
        var handshake = new ServerHandshake { ExtraHeaders = extra };
        extra.Add("X-Late", "ignored: the handshake copied the headers");

        HttpHeaders headers = handshake.Negotiate(Parse(SampleRequestLines())).Response.Headers;

        Assert.That(headers.Select(h => h.Key), Is.EqualTo(new[] { "Upgrade", "Connection", "Sec-WebSocket-Accept", "Set-Cookie" }));
    }

    [TestCase("Sec-WebSocket-Accept")]
    [TestCase("connection")]
    [TestCase("Content-Length")]
    public void ExtraHeaders_ReservedName_Throws(string name)
    {
        var extra = new HttpHeaders();
        extra.Add(name, "x");

        Assert.That(() => new ServerHandshake { ExtraHeaders = extra }, Throws.ArgumentException);
    }

    [Test]
    public void SupportedSubprotocols_NotToken_Throws()
    {
        Assert.That(() => new ServerHandshake { SupportedSubprotocols = ["a b"] }, Throws.ArgumentException);
    }

    [Test]
    public void ServerHeader_WithNewline_Throws()
    {
        Assert.That(() => new ServerHandshake { ServerHeader = "x\r\nSet-Cookie: a=b" }, Throws.ArgumentException);
    }

    [Test]
    public void Reject_ParseError_UsesItsStatusAndServerHeader()
    {
        HeadOutcome<HandshakeRequest> outcome = Request(Head("GET / HTTP/1.1", new string('x', 9000)));

        ServerHandshakeResult result = new ServerHandshake { ServerHeader = "RxSockets" }.Reject(outcome.Error);

        Assert.That(result.StatusCode, Is.EqualTo(431));
        Assert.That(result.Response.ReasonPhrase, Is.EqualTo("Request Header Fields Too Large"));
        Assert.That(result.Response.Headers.GetFirst("Server"), Is.EqualTo("RxSockets"));
    }

    [Test]
    public void Reject_DefaultError_Throws()
    {
        Assert.That(() => new ServerHandshake().Reject(default), Throws.ArgumentException);
    }

    internal static HandshakeRequest Parse(params string[] lines)
    {
        HeadOutcome<HandshakeRequest> outcome = Request(Head(lines));
        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done), outcome.Error.ToString());
        return outcome.Message!;
    }

    private static TestCaseData Case(string[] lines, string mentioned) => new(lines, mentioned);

    private static string[] Remove(string[] lines, string name) =>
        lines.Where(l => !l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).ToArray();

    private static string[] Replace(string[] lines, int index, string line)
    {
        string[] copy = (string[])lines.Clone();
        copy[index] = line;
        return copy;
    }
}
