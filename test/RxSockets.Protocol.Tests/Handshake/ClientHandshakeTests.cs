using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static RxSockets.Protocol.Tests.Handshake.HeadFeeder;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §4.1")]
public class ClientHandshakeTests
{
    private const string SampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string SampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    [TestCase("ws://example.com/chat", "example.com", "/chat")]
    [TestCase("ws://example.com:80/chat", "example.com", "/chat")]
    [TestCase("ws://example.com:443/chat", "example.com:443", "/chat")]
    [TestCase("ws://example.com:8080", "example.com:8080", "/")]
    [TestCase("wss://example.com/chat", "example.com", "/chat")]
    [TestCase("wss://example.com:443/", "example.com", "/")]
    [TestCase("wss://example.com:80/", "example.com:80", "/")]
    [TestCase("wss://example.com:8443/a/b?x=1&y=%20", "example.com:8443", "/a/b?x=1&y=%20")]
    [TestCase("ws://[::1]:8765/", "[::1]:8765", "/")]
    [TestCase("ws://127.0.0.1/", "127.0.0.1", "/")]
    [TestCase("ws://bücher.example/", "xn--bcher-kva.example", "/")]
    public void CreateRequest_Uri_HostAndTarget(string uri, string host, string target)
    {
        HandshakeRequest request = new ClientHandshake(new Uri(uri), SampleKey).CreateRequest();

        Assert.That(request.Host, Is.EqualTo(host));
        Assert.That(request.Target, Is.EqualTo(target));
    }

    [Test]
    public void WriteRequest_Minimal_ExactBytes()
    {
        var writer = new ArrayBufferWriter<byte>();

        new ClientHandshake(new Uri("ws://server.example.com/chat"), SampleKey).WriteRequest(writer);

        Assert.That(Encoding.ASCII.GetString(writer.WrittenSpan), Is.EqualTo(
            "GET /chat HTTP/1.1\r\n" +
            "Host: server.example.com\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "\r\n"));
    }

    [Test]
    public void WriteRequest_AllOptions_RoundTripsThroughParserAndServer()
    {
        var extra = new HttpHeaders();
        extra.Add("Authorization", "Bearer abc");
        var client = new ClientHandshake(new Uri("wss://example.com:9000/chat?room=1"))
        {
            Origin = "https://example.com",
            UserAgent = "RxSockets/0.1",
            Subprotocols = ["v2.chat", "chat"],
            Extensions = [new ExtensionOffer("permessage-deflate", [new ExtensionParameter("client_max_window_bits")])],
            ExtraHeaders = extra,
        };
        var writer = new ArrayBufferWriter<byte>();
        client.WriteRequest(writer);

        HeadOutcome<HandshakeRequest> parsed = Request(writer.WrittenSpan.ToArray(), RandomChunks(writer.WrittenSpan.ToArray(), 11));
        ServerHandshakeResult server = new ServerHandshake { SupportedSubprotocols = ["chat"] }.Negotiate(parsed.Message!);
        ClientHandshakeResult result = client.ValidateResponse(server.Response);

        HandshakeRequest request = parsed.Message!;
        Assert.That(request.ToString(), Is.EqualTo(client.CreateRequest().ToString()));
        Assert.That(request.Path, Is.EqualTo("/chat"));
        Assert.That(request.Query, Is.EqualTo("room=1"));
        Assert.That(request.Origin, Is.EqualTo("https://example.com"));
        Assert.That(request.Headers.GetFirst("User-Agent"), Is.EqualTo("RxSockets/0.1"));
        Assert.That(request.Headers.GetFirst("Authorization"), Is.EqualTo("Bearer abc"));
        Assert.That(request.OfferedSubprotocols, Is.EqualTo(new[] { "v2.chat", "chat" }));
        Assert.That(request.TryGetOfferedExtensions(out var offers), Is.True);
        Assert.That(offers.Single().ToString(), Is.EqualTo("permessage-deflate; client_max_window_bits"));
        Assert.That(request.SecWebSocketKey, Is.EqualTo(client.Key));
        Assert.That(result.IsSuccess, Is.True, result.FailureReason);
        Assert.That(result.Subprotocol, Is.EqualTo("chat"));
        Assert.That(result.Extensions, Is.Empty);
    }

    [Test]
    public void Constructor_WithoutKey_GeneratesFreshKeys()
    {
        var uri = new Uri("ws://h/");

        string first = new ClientHandshake(uri).Key;
        string second = new ClientHandshake(uri).Key;

        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(WebSocketKey.IsValid(new ClientHandshake(uri).Key), Is.True);
    }

    [TestCase("http://example.com/")]
    [TestCase("ws://example.com/#frag")]
    [TestCase("ws://user:pw@example.com/")]
    public void Constructor_BadUri_Throws(string uri)
    {
        Assert.That(() => new ClientHandshake(new Uri(uri)), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_RelativeUri_Throws()
    {
        Assert.That(() => new ClientHandshake(new Uri("/chat", UriKind.Relative)), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_InvalidKey_Throws()
    {
        Assert.That(() => new ClientHandshake(new Uri("ws://h/"), "short"), Throws.ArgumentException);
    }

    [TestCase("Host")]
    [TestCase("sec-websocket-key")]
    [TestCase("Sec-WebSocket-Protocol")]
    [TestCase("Connection")]
    [TestCase("Upgrade")]
    [TestCase("Origin")]
    public void ExtraHeaders_OverridingHandshakeHeader_Throws(string name)
    {
        var extra = new HttpHeaders();
        extra.Add(name, "x");

        Assert.That(() => new ClientHandshake(new Uri("ws://h/")) { ExtraHeaders = extra }, Throws.ArgumentException);
    }

    [Test]
    public void ExtraHeaders_CrLfInValue_RefusedByHttpHeaders()
    {
        var extra = new HttpHeaders();

        Assert.That(() => extra.Add("X-Evil", "a\r\nHost: evil"), Throws.ArgumentException);
    }

    [Test]
    public void Origin_WithCrLf_Throws()
    {
        Assert.That(() => new ClientHandshake(new Uri("ws://h/")) { Origin = "a\r\nb" }, Throws.ArgumentException);
    }

    [Test]
    public void Subprotocols_Duplicate_Throws()
    {
        Assert.That(() => new ClientHandshake(new Uri("ws://h/")) { Subprotocols = ["chat", "chat"] }, Throws.ArgumentException);
    }

    [Test]
    public void ValidateResponse_RfcSample_Succeeds()
    {
        var client = new ClientHandshake(new Uri("ws://server.example.com/chat"), SampleKey) { Subprotocols = ["chat", "superchat"] };

        ClientHandshakeResult result = client.ValidateResponse(ParseResponse(
            "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Accept: " + SampleAccept, "Sec-WebSocket-Protocol: chat"));

        Assert.That(result.IsSuccess, Is.True, result.FailureReason);
        Assert.That(result.IsRejected, Is.False);
        Assert.That(result.Subprotocol, Is.EqualTo("chat"));
    }

    [Test]
    public void ValidateResponse_CaseInsensitiveUpgradeAndConnectionList_Succeeds()
    {
        ClientHandshakeResult result = Client().ValidateResponse(ParseResponse(
            "HTTP/1.1 101 Switching Protocols", "Upgrade: WebSocket", "Connection: keep-alive, UPGRADE",
            "Sec-WebSocket-Accept: " + SampleAccept));

        Assert.That(result.IsSuccess, Is.True, result.FailureReason);
        Assert.That(result.Subprotocol, Is.Null);
    }

    [Test]
    public void ValidateResponse_WrongAccept_Fails()
    {
        ClientHandshakeResult result = Client().ValidateResponse(AcceptWith("x3JJHMbDL1EzLkh9GBhXDw3lAbA="));

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.IsRejected, Is.False);
        Assert.That(result.FailureReason, Does.Contain("Sec-WebSocket-Accept"));
    }

    [Test]
    public void ValidateResponse_MissingAccept_Fails()
    {
        ClientHandshakeResult result = Client().ValidateResponse(ParseResponse("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade"));

        Assert.That(result.FailureReason, Does.Contain("Sec-WebSocket-Accept"));
    }

    [TestCase(null)]
    [TestCase("h2c")]
    [TestCase("websocket, h2c")]
    public void ValidateResponse_UpgradeNotWebsocket_Fails(string? upgrade)
    {
        string[] lines = upgrade is null
            ? ["HTTP/1.1 101 Switching Protocols", "Connection: Upgrade", "Sec-WebSocket-Accept: " + SampleAccept]
            : ["HTTP/1.1 101 Switching Protocols", "Upgrade: " + upgrade, "Connection: Upgrade", "Sec-WebSocket-Accept: " + SampleAccept];

        ClientHandshakeResult result = Client().ValidateResponse(ParseResponse(lines));

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.FailureReason, Does.Contain("Upgrade"));
    }

    [Test]
    public void ValidateResponse_ConnectionWithoutUpgrade_Fails()
    {
        ClientHandshakeResult result = Client().ValidateResponse(ParseResponse(
            "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: keep-alive", "Sec-WebSocket-Accept: " + SampleAccept));

        Assert.That(result.FailureReason, Does.Contain("Connection"));
    }

    [Test]
    public void ValidateResponse_Non101WithBody_RejectedWithStatusHeadersAndFirstKiB()
    {
        byte[] head = Head("HTTP/1.1 403 Forbidden", "Content-Type: text/plain", "Content-Length: 2000");
        byte[] body = Enumerable.Range(0, 2000).Select(i => (byte)('a' + (i % 26))).ToArray();
        HeadOutcome<HandshakeResponse> parsed = Response([.. head, .. body]);
        var afterHead = new ReadOnlySequence<byte>(body);

        ClientHandshakeResult result = Client().ValidateResponse(parsed.Message!, afterHead);

        Assert.That(parsed.ConsumedOffset, Is.EqualTo(head.Length));
        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.IsRejected, Is.True);
        Assert.That(result.StatusCode, Is.EqualTo(403));
        Assert.That(result.Headers.GetFirst("Content-Type"), Is.EqualTo("text/plain"));
        Assert.That(result.Body.ToArray(), Is.EqualTo(body[..1024]));
        Assert.That(result.FailureReason, Does.Contain("403"));
    }

    [Test]
    public void ValidateResponse_ServerErrorResponse_KeepsItsBody()
    {
        HandshakeResponse response = HandshakeResponse.CreateError(400, "Missing key");

        ClientHandshakeResult result = Client().ValidateResponse(response);

        Assert.That(result.IsRejected, Is.True);
        Assert.That(Encoding.UTF8.GetString(result.Body.Span), Is.EqualTo("Missing key\n"));
    }

    [Test]
    public void ValidateResponse_UnofferedSubprotocol_Fails()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Subprotocols = ["chat"] };

        ClientHandshakeResult result = client.ValidateResponse(Accept101("Sec-WebSocket-Protocol: superchat"));

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.FailureReason, Does.Contain("subprotocol"));
    }

    [Test]
    public void ValidateResponse_SubprotocolWhenNoneOffered_Fails()
    {
        Assert.That(Client().ValidateResponse(Accept101("Sec-WebSocket-Protocol: chat")).IsSuccess, Is.False);
    }

    [Test]
    public void ValidateResponse_TwoSubprotocols_Fails()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Subprotocols = ["chat", "superchat"] };

        Assert.That(client.ValidateResponse(Accept101("Sec-WebSocket-Protocol: chat, superchat")).IsSuccess, Is.False);
    }

    [Test]
    public void ValidateResponse_SubprotocolDiffersInCase_Fails()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Subprotocols = ["chat"] };

        Assert.That(client.ValidateResponse(Accept101("Sec-WebSocket-Protocol: Chat")).IsSuccess, Is.False);
    }

    [Test]
    public void ValidateResponse_UnofferedExtension_Fails()
    {
        ClientHandshakeResult result = Client().ValidateResponse(Accept101("Sec-WebSocket-Extensions: permessage-deflate"));

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.FailureReason, Does.Contain("permessage-deflate"));
    }

    [Test]
    public void ValidateResponse_OfferedExtension_SucceedsWithParameters()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Extensions = [new ExtensionOffer("permessage-deflate")] };

        ClientHandshakeResult result = client.ValidateResponse(Accept101("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=\"10\""));

        Assert.That(result.IsSuccess, Is.True, result.FailureReason);
        Assert.That(result.Extensions.Single().TryGetParameter("server_max_window_bits", out string? bits), Is.True);
        Assert.That(bits, Is.EqualTo("10"));
    }

    [Test]
    public void ValidateResponse_ExtensionAcceptedTwice_Fails()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Extensions = [new ExtensionOffer("permessage-deflate")] };

        ClientHandshakeResult result = client.ValidateResponse(Accept101("Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: permessage-deflate"));

        Assert.That(result.IsSuccess, Is.False);
    }

    [Test]
    public void ValidateResponse_MalformedExtensions_Fails()
    {
        var client = new ClientHandshake(new Uri("ws://h/"), SampleKey) { Extensions = [new ExtensionOffer("permessage-deflate")] };

        Assert.That(client.ValidateResponse(Accept101("Sec-WebSocket-Extensions: permessage-deflate;")).IsSuccess, Is.False);
    }

    private static ClientHandshake Client() => new(new Uri("ws://server.example.com/chat"), SampleKey);

    private static HandshakeResponse Accept101(params string[] extraLines) => ParseResponse(
        ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: " + SampleAccept, .. extraLines]);

    private static HandshakeResponse AcceptWith(string accept) => ParseResponse(
        "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: " + accept);

    private static HandshakeResponse ParseResponse(params string[] lines)
    {
        HeadOutcome<HandshakeResponse> outcome = Response(Head(lines));
        Assert.That(outcome.Result, Is.EqualTo(HttpParseResult.Done), outcome.Error.ToString());
        return outcome.Message!;
    }
}
