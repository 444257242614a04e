using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests.Handshake;

[TestFixture]
[Description("RFC 7230 §3.2, §3.2.2, §7")]
public class HttpHeadersTests
{
    [Test]
    public void GetFirst_CaseInsensitiveName_FindsFirstLine()
    {
        var headers = new HttpHeaders();
        headers.Add("Host", "a");
        headers.Add("HOST", "b");

        Assert.That(headers.GetFirst("host"), Is.EqualTo("a"));
        Assert.That(headers.GetAll("hOsT"), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(headers.Contains("Host"), Is.True);
        Assert.That(headers.GetFirst("Origin"), Is.Null);
        Assert.That(headers.GetAll("Origin"), Is.Empty);
    }

    [Test]
    public void Enumerate_KeepsInsertionOrderAndSpelling()
    {
        var headers = new HttpHeaders();
        headers.Add("B", "1");
        headers.Add("a", "2");
        headers.Add("b", "3");

        Assert.That(headers.Select(h => $"{h.Key}={h.Value}"), Is.EqualTo(new[] { "B=1", "a=2", "b=3" }));
        Assert.That(headers.Count, Is.EqualTo(3));
        Assert.That(headers.ToString(), Is.EqualTo("B: 1\r\na: 2\r\nb: 3\r\n"));
    }

    [Test]
    public void Add_ValueWithOws_Trimmed()
    {
        var headers = new HttpHeaders();
        headers.Add("X", " \t v a l \t ");

        Assert.That(headers.GetFirst("X"), Is.EqualTo("v a l"));
    }

    [TestCase("Bad Name")]
    [TestCase("Bad:Name")]
    [TestCase("")]
    [TestCase("Ünicode")]
    public void Add_NameNotToken_Throws(string name)
    {
        Assert.That(() => new HttpHeaders().Add(name, "v"), Throws.ArgumentException);
    }

    [TestCase("a\r\nInjected: yes")]
    [TestCase("a\nb")]
    [TestCase("a\0b")]
    [TestCase("snowman \u2603")]
    public void Add_ValueWithControlOrWideChar_Throws(string value)
    {
        Assert.That(() => new HttpHeaders().Add("X", value), Throws.ArgumentException);
    }

    [Test]
    public void GetTokens_SeveralLines_CombinedAsOneList()
    {
        var headers = new HttpHeaders();
        headers.Add("Connection", "keep-alive,  Upgrade ");
        headers.Add("Other", "x");
        headers.Add("connection", ", ,close,");

        Assert.That(headers.GetTokens("Connection"), Is.EqualTo(new[] { "keep-alive", "Upgrade", "close" }));
        Assert.That(headers.GetTokens("Missing"), Is.Empty);
    }

    [Test]
    public void GetTokens_QuotedString_CommaInsideKept()
    {
        var headers = new HttpHeaders();
        headers.Add("X", "a; p=\"1,2\", b; q=\"say \\\"hi, there\\\"\" , c");

        Assert.That(headers.GetTokens("X"), Is.EqualTo(new[] { "a; p=\"1,2\"", "b; q=\"say \\\"hi, there\\\"\"", "c" }));
    }

    [TestCase("Upgrade", true)]
    [TestCase("upgrade", true)]
    [TestCase("UPGRADE", true)]
    [TestCase("Upgrad", false)]
    [TestCase("keep", false)]
    public void ContainsToken_CaseInsensitive_Expected(string token, bool expected)
    {
        var headers = new HttpHeaders();
        headers.Add("Connection", "keep-alive");
        headers.Add("Connection", "Upgrade");

        Assert.That(headers.ContainsToken("connection", token), Is.EqualTo(expected));
    }

    [Test]
    public void AddRange_CopiesLinesInOrder()
    {
        var source = new HttpHeaders();
        source.Add("A", "1");
        source.Add("B", "2");
        var target = new HttpHeaders();
        target.Add("Z", "0");

        target.AddRange(source);

        Assert.That(target.Select(h => h.Key), Is.EqualTo(new[] { "Z", "A", "B" }));
    }

    [Test]
    public void Members_NullArguments_Throw()
    {
        var headers = new HttpHeaders();

        Assert.That(() => headers.Add(null!, "v"), Throws.ArgumentNullException);
        Assert.That(() => headers.Add("X", null!), Throws.ArgumentNullException);
        Assert.That(() => headers.GetFirst(null!), Throws.ArgumentNullException);
        Assert.That(() => headers.GetAll(null!), Throws.ArgumentNullException);
        Assert.That(() => headers.GetTokens(null!), Throws.ArgumentNullException);
        Assert.That(() => headers.ContainsToken("X", null!), Throws.ArgumentNullException);
        Assert.That(() => headers.AddRange(null!), Throws.ArgumentNullException);
        Assert.That(() => headers.Contains(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Enumerate_AsInterface_SameLines()
    {
        var headers = new HttpHeaders();
        headers.Add("A", "1");
        IEnumerable<KeyValuePair<string, string>> asInterface = headers;

        Assert.That(asInterface.Single().Key, Is.EqualTo("A"));
    }
}
