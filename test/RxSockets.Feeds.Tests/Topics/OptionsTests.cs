using System;
using System.Reactive.Linq;
using System.Threading;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

[TestFixture]
public sealed class OptionsTests
{
    [Test]
    public void FlowPolicy_Factories_Validate()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => FlowPolicy.DropOldest(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => FlowPolicy.Close(CloseCode.AbnormalClosure), Throws.ArgumentException, "1006 never goes on the wire");
            Assert.That(() => FlowPolicy.Close(reason: new string('x', 124)), Throws.ArgumentException);
            Assert.That(() => FlowPolicy.Close(maxBehind: -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(FlowPolicy.Default.ToString(), Is.EqualTo("DropOldest(1024)"));
            Assert.That(FlowPolicy.Close(CloseCode.PolicyViolation, "x", 5).ToString(), Is.EqualTo("Close(1008, 5)"));
            Assert.That(FlowPolicy.Close().MaxBehind, Is.EqualTo(int.MaxValue), "by default only when what it owes leaves history");
        }
    }

    [Test]
    public void TopicOptions_Validate_RejectsOutOfRange()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new TopicOptions { HistoryCount = 0 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new TopicOptions { MaxKeys = 0 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new TopicOptions { HistoryAge = TimeSpan.FromSeconds(-1) }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new TopicOptions { Linger = TimeSpan.FromSeconds(-2) }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new TopicOptions { Linger = Timeout.InfiniteTimeSpan }.Validate(), Throws.Nothing);
            Assert.That(() => new TopicOptions { FlowPolicy = null! }.Validate(), Throws.ArgumentNullException);
        }
    }

    [Test]
    public void FeedHubOptions_Validate_RejectsOutOfRange()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new FeedHub(new FeedHubOptions { MaxTopicsPerConnection = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new FeedHub(new FeedHubOptions { MaxRequestBytes = 10 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new FeedHub(new FeedHubOptions { MaxErrorsPerConnection = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new FeedHub(new FeedHubOptions { TimeProvider = null! }), Throws.ArgumentNullException);
        }
    }

    [Test]
    public void Publish_InvalidOrDuplicateName_Throws()
    {
        using var hub = new FeedHub();
        hub.Publish("t", Observable.Never<string>(), TestJson.Default.String);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => hub.Publish("t", Observable.Never<string>(), TestJson.Default.String), Throws.ArgumentException.With.Message.Contains("already published"));
            Assert.That(() => hub.Publish("", Observable.Never<Message>()), Throws.ArgumentException);
            Assert.That(() => hub.Publish("a\nb", Observable.Never<Message>()), Throws.ArgumentException);
            Assert.That(() => hub.Publish("u", Observable.Never<string>(), TestJson.Default.String, new TopicOptions { HistoryCount = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(hub.Topics, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void SubscribeDecision_AllowAndDeny()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(SubscribeDecision.Allow(), Is.SameAs(SubscribeDecision.Allowed));
            Assert.That(SubscribeDecision.Allow(FlowPolicy.Latest).FlowPolicy, Is.SameAs(FlowPolicy.Latest));
            Assert.That(SubscribeDecision.Deny("members only"), Has.Property(nameof(SubscribeDecision.IsAllowed)).False.And.Property(nameof(SubscribeDecision.Message)).EqualTo("members only"));
        }
    }
}

[TestFixture]
public sealed class NullArgumentTests
{
    [Test]
    public void PublicMembers_NullForRequiredArguments_ThrowArgumentNullException()
    {
        using var hub = new FeedHub();
        IObservable<string> source = Observable.Never<string>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => hub.Publish(null!, source, TestJson.Default.String), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("topic"));
            Assert.That(() => hub.Publish("t", null!, TestJson.Default.String), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("source"));
            Assert.That(() => hub.Publish("t", source, null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("typeInfo"));
            Assert.That(() => hub.Publish(null!, Observable.Never<Message>()), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("topic"));
            Assert.That(() => hub.Publish("t", (IObservable<Message>)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("source"));
            Assert.That(() => hub.TryGetTopic(null!, out _), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("name"));
            Assert.That(() => hub.ServeAsync(null!, CancellationToken.None), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("connection"));
            Assert.That(() => FlowPolicy.Close(reason: null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("reason"));
            Assert.That(() => SubscribeDecision.Deny(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("message"));
        }
    }
}
