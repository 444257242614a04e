using System;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>The default classification, <c>Retry-After</c>, and the backoff's curve, without connections.</summary>
[TestFixture]
public sealed class ReconnectOptionsTests
{
    [Test]
    public void GetRetryAfter_SecondsOrHttpDate()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        HandshakeRejectedException Answer(int status, string retryAfter) => new(status, "x", [new("Retry-After", retryAfter)], default);

        Assert.That(ReconnectOptions.GetRetryAfter(Answer(503, "120"), now), Is.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(ReconnectOptions.GetRetryAfter(Answer(429, "Mon, 07 Dec 2026 12:01:30 GMT"), now), Is.EqualTo(TimeSpan.FromSeconds(90)));
        Assert.That(ReconnectOptions.GetRetryAfter(Answer(503, "Mon, 07 Dec 2026 11:00:00 GMT"), now), Is.EqualTo(TimeSpan.Zero), "a date in the past: at once");
        Assert.That(ReconnectOptions.GetRetryAfter(Answer(503, "soon"), now), Is.Null);
        Assert.That(ReconnectOptions.GetRetryAfter(Answer(404, "5"), now), Is.Null, "only on 429 and 5xx");
        Assert.That(ReconnectOptions.IsRetryable(Answer(429, "5")), Is.True);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeRejectedException(429, "x", [], default)), Is.False);
    }

    [Test]
    public void IsRetryable_HandshakeFailures()
    {
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.Network)), Is.True);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.Timeout)), Is.True);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.ServerClosed)), Is.True);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.Certificate)), Is.False);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.Tls)), Is.False);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x", HandshakeFailure.Redirect)), Is.False);
        Assert.That(ReconnectOptions.IsRetryable(new HandshakeException("x")), Is.False, "an invalid answer");
        Assert.That(ReconnectOptions.IsRetryable(new System.Net.Sockets.SocketException(111)), Is.True, "from a custom connect function");
        Assert.That(ReconnectOptions.IsRetryable(new InvalidOperationException()), Is.False);
    }

    [Test]
    public void Backoff_DefaultIsPythonWebsockets_FixedEnds_InvalidValuesThrow()
    {
        TimeSpan[] delays = [.. Backoff.Default.Delays(new FixedRandom(0)).Take(3)];
        Assert.That(delays, Is.EqualTo(new[] { TimeSpan.Zero, TimeSpan.FromSeconds(3.1), TimeSpan.FromSeconds(3.1 * 1.618) }));
        Assert.That(Backoff.Fixed(TimeSpan.FromSeconds(1)).Delays().Count(), Is.EqualTo(1));
        Assert.That(new Backoff { Jitter = 0.5 }.Delays(new FixedRandom(1)).ElementAt(1), Is.EqualTo(TimeSpan.FromSeconds(3.1 * 1.5)), "+50 % at the top of the range");
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff { MinDelay = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff { Factor = 0.5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff { Jitter = 2 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Fixed(TimeSpan.FromSeconds(-1)));
    }
}
