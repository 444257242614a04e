using NUnit.Framework;

namespace RxSockets.Feeds.Tests;

[TestFixture]
public sealed class FeedRequestTests
{
    [TestCase("""{"type":"subscribe","topic":"a/b"}""", "subscribe", "a/b", null, null)]
    [TestCase("""{"topic":"t","type":"subscribe","since":41,"epoch":"k3J9"}""", "subscribe", "t", 41L, "k3J9")]
    [TestCase("""{"type":"unsubscribe","topic":"t"}""", "unsubscribe", "t", null, null)]
    [TestCase("""{"type":"subscribe","topic":"t","since":null,"epoch":null}""", "subscribe", "t", null, null)]
    [TestCase("""{"type":"subscribe","topic":"t","future":{"nested":[1,2]},"x":1}""", "subscribe", "t", null, null)]
    [TestCase("""{"type":"frobnicate","topic":"t"}""", "frobnicate", "t", null, null)]
    public void TryParse_WellFormed_ReadsKnownFieldsAndIgnoresOthers(string text, string type, string topic, long? since, string? epoch)
    {
        bool parsed = FeedRequest.TryParse(text, out FeedRequest request, out _, out string? error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed, Is.True, error);
            Assert.That(request, Is.EqualTo(new FeedRequest(type, topic, since, epoch)));
        }
    }

    [TestCase("not json", "not valid JSON")]
    [TestCase("[1,2]", "not a JSON object")]
    [TestCase("""{"topic":"t"}""", "\"type\"")]
    [TestCase("""{"type":1,"topic":"t"}""", "\"type\"")]
    [TestCase("""{"type":"subscribe"}""", "\"topic\"")]
    [TestCase("""{"type":"subscribe","topic":7}""", "\"topic\"")]
    [TestCase("""{"type":"subscribe","topic":"t","since":-1}""", "\"since\"")]
    [TestCase("""{"type":"subscribe","topic":"t","since":1.5}""", "\"since\"")]
    [TestCase("""{"type":"subscribe","topic":"t","since":"4"}""", "\"since\"")]
    [TestCase("""{"type":"subscribe","topic":"t","since":1e30}""", "\"since\"")]
    [TestCase("""{"type":"subscribe","topic":"t","epoch":5}""", "\"epoch\"")]
    [TestCase("""{"type":"subscribe","topic":"t",}""", "not valid JSON")]
    public void TryParse_Malformed_SaysWhatIsWrong(string text, string expected)
    {
        bool parsed = FeedRequest.TryParse(text, out _, out _, out string? error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed, Is.False);
            Assert.That(error, Does.Contain(expected));
        }
    }

    [Test]
    public void TryParse_DeeplyNested_IsRejectedNotRecursedInto()
    {
        string text = """{"type":"subscribe","topic":"t","x":""" + new string('[', 100) + new string(']', 100) + "}";
        Assert.That(FeedRequest.TryParse(text, out _, out _, out _), Is.False);
    }

    [TestCase("sensors/a", true)]
    [TestCase("a", true)]
    [TestCase("", false)]
    [TestCase(null, false)]
    [TestCase("tab\there", false)]
    [TestCase("line\nbreak", false)]
    public void IsValidTopic_Names(string? name, bool valid) => Assert.That(FeedRequest.IsValidTopic(name), Is.EqualTo(valid));

    [Test]
    public void IsValidTopic_Length_200Yes201No()
    {
        Assert.That(FeedRequest.IsValidTopic(new string('a', FeedHub.MaxTopicLength)), Is.True);
        Assert.That(FeedRequest.IsValidTopic(new string('a', FeedHub.MaxTopicLength + 1)), Is.False);
    }
}

[TestFixture]
public sealed class EnvelopesTests
{
    [Test]
    public void Data_TypedValue_FixedFieldOrderAndJsonData()
    {
        using var envelopes = new Envelopes("sensors");
        PreparedMessage frame = envelopes.Data(58, envelopes.Body("s3", new Reading("s3", 21.5), new JsonDataFormatter<Reading>(TestJson.Default.Reading, r => r.Sensor)));

        Assert.That(frame.Message.Text, Is.EqualTo("""{"type":"data","topic":"sensors","seq":58,"key":"s3","data":{"sensor":"s3","value":21.5}}"""));
    }

    [Test]
    public void Data_TextAndBinaryMessages_StringAndBase64()
    {
        using var envelopes = new Envelopes("raw");
        var formatter = new MessageDataFormatter(null);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(envelopes.Data(1, envelopes.Body(null, Message.FromText("hi \"you\""), formatter)).Message.Text,
                Is.EqualTo("""{"type":"data","topic":"raw","seq":1,"data":"hi \u0022you\u0022"}"""));
            Assert.That(envelopes.Data(2, envelopes.Body(null, Message.FromBinary(new byte[] { 0, 1, 2 }), formatter)).Message.Text,
                Is.EqualTo("""{"type":"data","topic":"raw","seq":2,"binary":true,"data":"AAEC"}"""));
        }
    }

    [Test]
    public void Body_IsTheJsonObjectABackplaneCarries()
    {
        using var envelopes = new Envelopes("sensors");
        string body = envelopes.Body("s3", new Reading("s3", 21.5), new JsonDataFormatter<Reading>(TestJson.Default.Reading, r => r.Sensor));

        Assert.That(body, Is.EqualTo("""{"key":"s3","data":{"sensor":"s3","value":21.5}}"""));
    }

    [Test]
    public void Reset_WithNewEpoch_CarriesIt()
    {
        Assert.That(Envelopes.Reset("t", "epoch", "E2").Message.Text, Is.EqualTo("""{"type":"reset","topic":"t","reason":"epoch","epoch":"E2"}"""));
    }

    [Test]
    public void ControlEnvelopes_AsDocumented()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Envelopes.Subscribed("t", "k3J9", 57).Message.Text, Is.EqualTo("""{"type":"subscribed","topic":"t","epoch":"k3J9","seq":57}"""));
            Assert.That(Envelopes.Reset("t", "history").Message.Text, Is.EqualTo("""{"type":"reset","topic":"t","reason":"history"}"""));
            Assert.That(Envelopes.Unsubscribed("t", "requested").Message.Text, Is.EqualTo("""{"type":"unsubscribed","topic":"t","reason":"requested"}"""));
            Assert.That(Envelopes.Error("t", FeedErrorCodes.Forbidden, "no").Text, Is.EqualTo("""{"type":"error","topic":"t","code":"forbidden","message":"no"}"""));
            Assert.That(Envelopes.Error(null, FeedErrorCodes.BadRequest, "?").Text, Is.EqualTo("""{"type":"error","code":"bad-request","message":"?"}"""));
        }
    }
}
