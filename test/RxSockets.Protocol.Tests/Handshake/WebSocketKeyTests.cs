using System;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 6455 §1.3, §4.1, §4.2.2")]
public class WebSocketKeyTests
{
    [Test]
    public void ComputeAccept_RfcSampleKey_MatchesRfc()
    {
        Assert.That(WebSocketKey.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="), Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    [Test]
    public void ComputeAccept_LongKey_StillHashes()
    {
        string accept = WebSocketKey.ComputeAccept(new string('k', 1000));

        Assert.That(accept.Length, Is.EqualTo(WebSocketKey.AcceptLength));
    }

    [Test]
    public void ComputeAccept_NonLatin1Key_Throws()
    {
        Assert.That(() => WebSocketKey.ComputeAccept("ключ"), Throws.ArgumentException);
    }

    [Test]
    public void IsValidAccept_RightAndWrong_Distinguished()
    {
        Assert.That(WebSocketKey.IsValidAccept("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), Is.True);
        Assert.That(WebSocketKey.IsValidAccept("dGhlIHNhbXBsZSBub25jZQ==", "S3PPLMBITXAQ9KYGZZHZRBK+XOO="), Is.False);
        Assert.That(WebSocketKey.IsValidAccept("dGhlIHNhbXBsZSBub25jZQ==", null), Is.False);
    }

    [Test]
    public void Generate_Twice_Valid24CharsAndDifferent()
    {
        string first = WebSocketKey.Generate();
        string second = WebSocketKey.Generate();

        Assert.That(first.Length, Is.EqualTo(24));
        Assert.That(WebSocketKey.IsValid(first), Is.True);
        Assert.That(Convert.FromBase64String(first).Length, Is.EqualTo(16));
        Assert.That(second, Is.Not.EqualTo(first));
    }

    [TestCase("dGhlIHNhbXBsZSBub25jZQ==", true)]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAA==", true)]
    [TestCase("dGhlIHNhbXBsZSBub25jZQ=", false)]
    [TestCase("dGhlIHNhbXBsZSBub25jZQ", false)]
    [TestCase("dGhlIHNhbXBsZSBub25jZQAA", false)] // 24 chars but 18 bytes
    [TestCase("dGhlIHNhbXBsZSBub25j ZQ=", false)] // whitespace inside
    [TestCase("dGhlIHNhbXBsZSBub25jZQ==dGhl", false)]
    [TestCase("!!!!!!!!!!!!!!!!!!!!!!==", false)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void IsValid_Key_Expected(string? key, bool expected)
    {
        Assert.That(WebSocketKey.IsValid(key), Is.EqualTo(expected));
    }
}
