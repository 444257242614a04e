using System;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>permessage-deflate through <see cref="ClientHandshake"/> and <see cref="ServerHandshake"/>.</summary>
[TestFixture]
[Description("RFC 7692 §5; RFC 6455 §9.1")]
public sealed class HandshakeCompressionTests
{
    private static readonly Uri s_uri = new("ws://example.com/chat");

    [Test]
    public void Negotiate_BothSidesEnabled_AgreeAndReportIt()
    {
        var client = new ClientHandshake(s_uri) { Compression = new PerMessageDeflateOptions() };
        var server = new ServerHandshake { Compression = new PerMessageDeflateOptions { ServerMaxWindowBits = 12 } };

        HandshakeRequest request = client.CreateRequest();
        ServerHandshakeResult accepted = server.Negotiate(request);
        ClientHandshakeResult validated = client.ValidateResponse(accepted.Response);

        Assert.That(request.Headers.GetFirst("Sec-WebSocket-Extensions"), Is.EqualTo("permessage-deflate; client_max_window_bits"));
        Assert.That(accepted.Response.Headers.GetFirst("Sec-WebSocket-Extensions"), Is.EqualTo("permessage-deflate; server_max_window_bits=12"));
        Assert.That(accepted.Compression?.ServerMaxWindowBits, Is.EqualTo(12));
        Assert.That(validated.IsSuccess, Is.True, validated.FailureReason);
        Assert.That(validated.Compression?.ServerMaxWindowBits, Is.EqualTo(12));
    }

    [Test]
    public void Negotiate_ServerWithoutCompression_AnswersNoExtension()
    {
        var client = new ClientHandshake(s_uri) { Compression = new PerMessageDeflateOptions() };

        ServerHandshakeResult accepted = new ServerHandshake().Negotiate(client.CreateRequest());
        ClientHandshakeResult validated = client.ValidateResponse(accepted.Response);

        Assert.That(accepted.Response.Headers.Contains("Sec-WebSocket-Extensions"), Is.False);
        Assert.That(validated.IsSuccess, Is.True);
        Assert.That(validated.Compression, Is.Null);
    }

    [Test]
    public void Negotiate_OfferTheServerCannotHonour_IsDeclinedNotRejected()
    {
        var client = new ClientHandshake(s_uri) { Extensions = [DeflateAgreements.Parse("permessage-deflate; server_max_window_bits=8")] };
        var server = new ServerHandshake { Compression = new PerMessageDeflateOptions() };

        ServerHandshakeResult accepted = server.Negotiate(client.CreateRequest());

        Assert.That(accepted.IsAccepted, Is.True);
        Assert.That(accepted.Compression, Is.Null);
        Assert.That(accepted.Response.Headers.Contains("Sec-WebSocket-Extensions"), Is.False);
    }

    [Test]
    public void Negotiate_SelectorSeesOnlyOtherExtensions()
    {
        var client = new ClientHandshake(s_uri) { Compression = new PerMessageDeflateOptions(), Extensions = [new ExtensionOffer("x-test")] };
        int seen = -1;
        var server = new ServerHandshake
        {
            Compression = new PerMessageDeflateOptions(),
            ExtensionSelector = (_, offers) =>
            {
                seen = offers.Count;
                return offers;
            },
        };

        ServerHandshakeResult accepted = server.Negotiate(client.CreateRequest());

        Assert.That(seen, Is.EqualTo(1));
        Assert.That(accepted.Response.Headers.GetFirst("Sec-WebSocket-Extensions"), Is.EqualTo("permessage-deflate, x-test"));
        Assert.That(client.ValidateResponse(accepted.Response).IsSuccess, Is.True);
    }

    [TestCase("permessage-deflate; client_max_window_bits=8")]
    [TestCase("permessage-deflate; server_max_window_bits=20")]
    [TestCase("permessage-deflate; x=1")]
    [TestCase("permessage-deflate, permessage-deflate")]
    public void ValidateResponse_AnswerTheClientCannotHonour_Fails(string answer)
    {
        var client = new ClientHandshake(s_uri) { Compression = new PerMessageDeflateOptions() };
        ServerHandshakeResult accepted = new ServerHandshake().Negotiate(client.CreateRequest());
        accepted.Response.Headers.Add("Sec-WebSocket-Extensions", answer);

        ClientHandshakeResult validated = client.ValidateResponse(accepted.Response);

        Assert.That(validated.IsSuccess, Is.False);
        Assert.That(validated.Compression, Is.Null);
    }

    [Test]
    public void ValidateResponse_DeflateNotOffered_Fails()
    {
        var client = new ClientHandshake(s_uri);
        ServerHandshakeResult accepted = new ServerHandshake().Negotiate(client.CreateRequest());
        accepted.Response.Headers.Add("Sec-WebSocket-Extensions", "permessage-deflate");

        Assert.That(client.ValidateResponse(accepted.Response).IsSuccess, Is.False);
    }
}
