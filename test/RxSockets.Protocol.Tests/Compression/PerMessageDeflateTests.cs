using System.Collections.Generic;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>Offer, acceptance and response validation of permessage-deflate, parameter by parameter.</summary>
[TestFixture]
[Description("RFC 7692 §5, §7.1")]
public sealed class PerMessageDeflateTests
{
    [Test]
    public void IsSupported_OnThisRuntime_IsTrue()
    {
        Assert.That(PerMessageDeflate.IsSupported, Is.True, "System.IO.Compression.Native ships with every .NET runtime");
    }

    [Test]
    public void CreateOffer_Defaults_IsWhatBrowsersSend()
    {
        Assert.That(PerMessageDeflate.CreateOffer(new PerMessageDeflateOptions()).ToString(), Is.EqualTo("permessage-deflate; client_max_window_bits"));
    }

    [Test]
    public void CreateOffer_EveryParameter_IsWritten()
    {
        var options = new PerMessageDeflateOptions { ServerContextTakeover = false, ClientContextTakeover = false, ServerMaxWindowBits = 10, ClientMaxWindowBits = 12 };

        Assert.That(
            PerMessageDeflate.CreateOffer(options).ToString(),
            Is.EqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"));
    }

    [TestCase(8)]
    [TestCase(16)]
    public void Options_WindowBitsOutside9To15_Throw(int bits)
    {
        Assert.That(() => new PerMessageDeflateOptions { ServerMaxWindowBits = bits }, Throws.InstanceOf<System.ArgumentOutOfRangeException>());
        Assert.That(() => new PerMessageDeflateOptions { ClientMaxWindowBits = bits }, Throws.InstanceOf<System.ArgumentOutOfRangeException>());
    }

    // Server side: offer → answer, with the server's defaults (RFC values).
    [TestCase("permessage-deflate", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [TestCase("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    [TestCase("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    [TestCase("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10")]
    [TestCase("permessage-deflate; server_max_window_bits=\"9\"", "permessage-deflate; server_max_window_bits=9")]
    [TestCase("permessage-deflate; client_max_window_bits=11", "permessage-deflate; client_max_window_bits=11")]
    [TestCase("PerMessage-Deflate; Server_No_Context_Takeover", "permessage-deflate; server_no_context_takeover")]
    public void TryAccept_ValidOffer_AnswersWithTheParametersItHonours(string offer, string expected)
    {
        Assert.That(PerMessageDeflate.TryAccept([DeflateAgreements.Parse(offer)], new PerMessageDeflateOptions(), out PerMessageDeflate? agreed, out ExtensionOffer? response), Is.True);

        Assert.That(response!.ToString(), Is.EqualTo(expected));
        Assert.That(agreed, Is.Not.Null);
    }

    [TestCase("permessage-deflate; server_max_window_bits=8", Description = "zlib cannot compress with 8 and the answer may not raise it")]
    [TestCase("permessage-deflate; server_max_window_bits", Description = "a value is required")]
    [TestCase("permessage-deflate; server_max_window_bits=16")]
    [TestCase("permessage-deflate; server_max_window_bits=7")]
    [TestCase("permessage-deflate; server_max_window_bits=010")]
    [TestCase("permessage-deflate; client_max_window_bits=16")]
    [TestCase("permessage-deflate; client_max_window_bits=x")]
    [TestCase("permessage-deflate; server_no_context_takeover=1")]
    [TestCase("permessage-deflate; client_no_context_takeover; client_no_context_takeover")]
    [TestCase("permessage-deflate; server_max_window_bits=10; server_max_window_bits=10")]
    [TestCase("permessage-deflate; unknown_parameter")]
    public void TryAccept_OfferItCannotHonour_IsDeclined(string offer)
    {
        Assert.That(PerMessageDeflate.TryAccept([DeflateAgreements.Parse(offer)], new PerMessageDeflateOptions(), out PerMessageDeflate? agreed, out ExtensionOffer? response), Is.False);
        Assert.That(agreed, Is.Null);
        Assert.That(response, Is.Null);
    }

    [Test]
    public void TryAccept_SeveralOffers_TakesTheFirstItCanHonour()
    {
        ExtensionOffer[] offers =
        [
            DeflateAgreements.Parse("x-webkit-deflate-frame"),
            DeflateAgreements.Parse("permessage-deflate; server_max_window_bits=8"),
            DeflateAgreements.Parse("permessage-deflate; server_max_window_bits=9"),
            DeflateAgreements.Parse("permessage-deflate"),
        ];

        Assert.That(PerMessageDeflate.TryAccept(offers, new PerMessageDeflateOptions(), out PerMessageDeflate? agreed, out ExtensionOffer? response), Is.True);
        Assert.That(response!.ToString(), Is.EqualTo("permessage-deflate; server_max_window_bits=9"));
        Assert.That(agreed!.ServerMaxWindowBits, Is.EqualTo(9));
    }

    [Test]
    public void TryAccept_NoDeflateOffer_ReturnsFalse()
    {
        Assert.That(PerMessageDeflate.TryAccept([DeflateAgreements.Parse("x-other")], new PerMessageDeflateOptions(), out _, out _), Is.False);
    }

    [Test]
    public void TryAccept_ServerSettings_AnswerAndAgreement()
    {
        var server = new PerMessageDeflateOptions { ServerContextTakeover = false, ClientContextTakeover = false, ServerMaxWindowBits = 12, ClientMaxWindowBits = 11 };

        Assert.That(PerMessageDeflate.TryAccept([DeflateAgreements.Parse("permessage-deflate; client_max_window_bits")], server, out PerMessageDeflate? agreed, out ExtensionOffer? response), Is.True);

        Assert.That(
            response!.ToString(),
            Is.EqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11"));
        Assert.That(agreed!.ServerNoContextTakeover, Is.True);
        Assert.That(agreed.ClientNoContextTakeover, Is.True);
        Assert.That(agreed.ServerMaxWindowBits, Is.EqualTo(12));
        Assert.That(agreed.ClientMaxWindowBits, Is.EqualTo(11));
    }

    [Test]
    public void TryAccept_SmallerServerWindowOffered_AnswersTheSmallerOne()
    {
        PerMessageDeflate agreed = DeflateAgreements.Accept("permessage-deflate; server_max_window_bits=10", new PerMessageDeflateOptions { ServerMaxWindowBits = 12 });

        Assert.That(agreed.ServerMaxWindowBits, Is.EqualTo(10));
    }

    [Test]
    public void TryAccept_ClientWindowNotOffered_CannotBeLimited()
    {
        PerMessageDeflate agreed = DeflateAgreements.Accept("permessage-deflate", new PerMessageDeflateOptions { ClientMaxWindowBits = 10 });

        Assert.That(agreed.ClientMaxWindowBits, Is.EqualTo(15), "§7.1.2.2: without the client's parameter the server may not answer it");
        Assert.That(agreed.ToResponse().ToString(), Is.EqualTo("permessage-deflate"));
    }

    [Test]
    public void TryAccept_ClientWindowOfferedBelowServerSetting_KeepsTheClientsHint()
    {
        PerMessageDeflate agreed = DeflateAgreements.Accept("permessage-deflate; client_max_window_bits=10", new PerMessageDeflateOptions { ClientMaxWindowBits = 12 });

        Assert.That(agreed.ClientMaxWindowBits, Is.EqualTo(10));
    }

    // Client side: the server's answer to the default offer.
    [TestCase("permessage-deflate", false, false, 15, 15)]
    [TestCase("permessage-deflate; server_no_context_takeover", true, false, 15, 15)]
    [TestCase("permessage-deflate; client_no_context_takeover", false, true, 15, 15)]
    [TestCase("permessage-deflate; server_max_window_bits=12", false, false, 12, 15)]
    [TestCase("permessage-deflate; server_max_window_bits=8", false, false, 8, 15)]
    [TestCase("permessage-deflate; client_max_window_bits=10", false, false, 15, 10)]
    public void TryAcceptResponse_ValidAnswer_IsHonoured(string answer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits)
    {
        PerMessageDeflate agreed = DeflateAgreements.AcceptResponse(answer, new PerMessageDeflateOptions());

        Assert.That(agreed.ServerNoContextTakeover, Is.EqualTo(serverNoContext));
        Assert.That(agreed.ClientNoContextTakeover, Is.EqualTo(clientNoContext));
        Assert.That(agreed.ServerMaxWindowBits, Is.EqualTo(serverBits));
        Assert.That(agreed.ClientMaxWindowBits, Is.EqualTo(clientBits));
    }

    [TestCase("permessage-deflate; client_max_window_bits=8", Description = "zlib cannot compress with an 8-bit window")]
    [TestCase("permessage-deflate; client_max_window_bits", Description = "a value is required in an answer")]
    [TestCase("permessage-deflate; server_max_window_bits=16")]
    [TestCase("permessage-deflate; unknown")]
    [TestCase("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    public void TryAcceptResponse_AnswerItCannotHonour_Fails(string answer)
    {
        Assert.That(PerMessageDeflate.TryAcceptResponse(DeflateAgreements.Parse(answer), new PerMessageDeflateOptions(), out PerMessageDeflate? agreed, out string? error), Is.False);
        Assert.That(agreed, Is.Null);
        Assert.That(error, Is.Not.Empty);
    }

    [Test]
    public void TryAcceptResponse_ServerNoContextTakeoverAskedButMissing_Fails()
    {
        var client = new PerMessageDeflateOptions { ServerContextTakeover = false };

        Assert.That(PerMessageDeflate.TryAcceptResponse(DeflateAgreements.Parse("permessage-deflate"), client, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain("server_no_context_takeover"));
    }

    [TestCase("permessage-deflate", Description = "missing")]
    [TestCase("permessage-deflate; server_max_window_bits=11", Description = "larger than asked")]
    public void TryAcceptResponse_ServerWindowAskedButNotGranted_Fails(string answer)
    {
        var client = new PerMessageDeflateOptions { ServerMaxWindowBits = 10 };

        Assert.That(PerMessageDeflate.TryAcceptResponse(DeflateAgreements.Parse(answer), client, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain("server_max_window_bits"));
    }

    [Test]
    public void TryAcceptResponse_ClientWindowAboveTheOffer_Fails()
    {
        var client = new PerMessageDeflateOptions { ClientMaxWindowBits = 10 };

        Assert.That(PerMessageDeflate.TryAcceptResponse(DeflateAgreements.Parse("permessage-deflate; client_max_window_bits=12"), client, out _, out _), Is.False);
    }

    [Test]
    public void TryAcceptResponse_ClientNoContextTakeoverOffered_IsHonouredEvenIfNotEchoed()
    {
        PerMessageDeflate agreed = DeflateAgreements.AcceptResponse("permessage-deflate", new PerMessageDeflateOptions { ClientContextTakeover = false });

        Assert.That(agreed.ClientNoContextTakeover, Is.True);
    }

    [Test]
    public void Negotiate_DefaultsBothSides_AgreeOnRfcDefaults()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate(new PerMessageDeflateOptions(), new PerMessageDeflateOptions());

        foreach (PerMessageDeflate agreed in new[] { client, server })
        {
            Assert.That(agreed.ServerNoContextTakeover, Is.False);
            Assert.That(agreed.ClientNoContextTakeover, Is.False);
            Assert.That(agreed.ServerMaxWindowBits, Is.EqualTo(15));
            Assert.That(agreed.ClientMaxWindowBits, Is.EqualTo(15));
        }
    }

    [Test]
    public void Negotiate_ServerLimitsBothWindows_ClientHonoursThem()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate(
            new PerMessageDeflateOptions(), new PerMessageDeflateOptions { ServerMaxWindowBits = 12, ClientMaxWindowBits = 9 });

        Assert.That(client.ServerMaxWindowBits, Is.EqualTo(12));
        Assert.That(client.ClientMaxWindowBits, Is.EqualTo(9));
        Assert.That(server.ClientMaxWindowBits, Is.EqualTo(9));
    }
}
