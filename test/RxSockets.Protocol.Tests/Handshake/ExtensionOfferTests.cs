using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §9.1, RFC 7692 §5")]
public class ExtensionOfferTests
{
    [Test]
    public void TryParseList_PermessageDeflateOffer_NameAndOrderedParameters()
    {
        Assert.That(ExtensionOffer.TryParseList(["permessage-deflate; client_max_window_bits; server_max_window_bits=10"], out IReadOnlyList<ExtensionOffer> offers), Is.True);

        ExtensionOffer offer = offers.Single();
        Assert.That(offer.Name, Is.EqualTo("permessage-deflate"));
        Assert.That(offer.Parameters, Is.EqualTo(new[]
        {
            new ExtensionParameter("client_max_window_bits"),
            new ExtensionParameter("server_max_window_bits", "10"),
        }));
        Assert.That(offer.TryGetParameter("client_max_window_bits", out string? clientBits), Is.True);
        Assert.That(clientBits, Is.Null);
        Assert.That(offer.TryGetParameter("SERVER_MAX_WINDOW_BITS", out string? serverBits), Is.True);
        Assert.That(serverBits, Is.EqualTo("10"));
        Assert.That(offer.TryGetParameter("server_no_context_takeover", out _), Is.False);
    }

    [Test]
    public void TryParseList_QuotedValuesAndOws_Unquoted()
    {
        Assert.That(ExtensionOffer.TryParseList(["foo ;  a = \"1\" ;b=\"x\\yz\"\t;c"], out IReadOnlyList<ExtensionOffer> offers), Is.True);

        Assert.That(offers.Single().ToString(), Is.EqualTo("foo; a=1; b=xyz; c"));
    }

    [Test]
    public void TryParseList_SeveralLinesAndElements_OneListInOrder()
    {
        string[] lines =
        [
            "permessage-deflate; client_max_window_bits=\"15\", permessage-deflate",
            "x-webkit-deflate-frame",
            " , , foo;bar=baz",
        ];

        Assert.That(ExtensionOffer.TryParseList(lines, out IReadOnlyList<ExtensionOffer> offers), Is.True);

        Assert.That(offers.Select(o => o.ToString()), Is.EqualTo(new[]
        {
            "permessage-deflate; client_max_window_bits=15",
            "permessage-deflate",
            "x-webkit-deflate-frame",
            "foo; bar=baz",
        }));
    }

    [Test]
    public void TryParseList_NoLines_Empty()
    {
        Assert.That(ExtensionOffer.TryParseList([], out IReadOnlyList<ExtensionOffer> offers), Is.True);
        Assert.That(offers, Is.Empty);
    }

    [TestCase(";a")]
    [TestCase("foo;")]
    [TestCase("foo; =1")]
    [TestCase("foo; a=")]
    [TestCase("foo; a=\"1")]
    [TestCase("foo; a=\"1 2\"")]
    [TestCase("foo; a=\"\"")]
    [TestCase("foo; a=1 2")]
    [TestCase("foo bar")]
    [TestCase("foo; a=\"1\\")]
    [TestCase("fo\"o\"")]
    public void TryParseList_Malformed_False(string line)
    {
        Assert.That(ExtensionOffer.TryParseList(["ok", line], out IReadOnlyList<ExtensionOffer> offers), Is.False);
        Assert.That(offers, Is.Empty);
    }

    [Test]
    public void FormatList_ParsedList_RoundTrips()
    {
        ExtensionOffer[] offers =
        [
            new("permessage-deflate", [new ExtensionParameter("client_max_window_bits"), new ExtensionParameter("server_max_window_bits", "10")]),
            new("permessage-deflate"),
        ];

        string header = ExtensionOffer.FormatList(offers);
        bool ok = ExtensionOffer.TryParseList([header], out IReadOnlyList<ExtensionOffer> parsed);

        Assert.That(ok, Is.True);
        Assert.That(header, Is.EqualTo("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate"));
        Assert.That(ExtensionOffer.FormatList(parsed), Is.EqualTo(header));
    }

    [Test]
    public void FormatList_Empty_EmptyString()
    {
        Assert.That(ExtensionOffer.FormatList([]), Is.Empty);
    }

    [TestCase("bad name")]
    [TestCase("")]
    public void Constructor_NameNotToken_Throws(string name)
    {
        Assert.That(() => new ExtensionOffer(name), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_DefaultParameter_Throws()
    {
        Assert.That(() => new ExtensionOffer("x", [default]), Throws.ArgumentException);
    }

    [TestCase("a b", null)]
    [TestCase("a", "1 2")]
    [TestCase("a", "")]
    public void ExtensionParameter_NotToken_Throws(string name, string? value)
    {
        Assert.That(() => new ExtensionParameter(name, value), Throws.ArgumentException);
    }

    [Test]
    public void Members_NullArguments_Throw()
    {
        Assert.That(() => new ExtensionOffer(null!), Throws.ArgumentNullException);
        Assert.That(() => ExtensionOffer.TryParseList(null!, out _), Throws.ArgumentNullException);
        Assert.That(() => ExtensionOffer.FormatList(null!), Throws.ArgumentNullException);
        Assert.That(() => new ExtensionOffer("x").TryGetParameter(null!, out _), Throws.ArgumentNullException);
        Assert.That(() => new ExtensionParameter(null!), Throws.ArgumentNullException);
    }
}
