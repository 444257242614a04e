using System;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>Server options: validation of each setting's range.</summary>
[TestFixture]
public sealed class ServerOptionsTests
{
    [TestCase(-1)]
    [TestCase(257)]
    public void Validate_SocketPollerThreadsOutOfRange_Throws(int threads)
    {
        var options = new WebSocketServerOptions { SocketPollerThreads = threads };

        Assert.That(options.Validate, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(nameof(WebSocketServerOptions.SocketPollerThreads)));
    }

    [TestCase(0)]
    [TestCase(3)]
    public void Validate_SocketPollerThreadsInRange_Passes(int threads)
    {
        var options = new WebSocketServerOptions { SocketPollerThreads = threads };

        Assert.That(options.Validate, Throws.Nothing);
    }
}
