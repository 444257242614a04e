using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.LoadTool;
using FanOutServer = RxSockets.Benchmarks.FanOut.FanOutServer;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// The CI smoke of the fan-out benchmark (fanout.sh): the driver against the RxSockets fan-out
/// server, in-process, for a second, in both modes; every subscriber must get every message once.
/// No speed is asserted: docs/performance.md is where numbers live.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class FanOutSmokeTests
{
    [TestCase("broadcast", FanOutServer.RxSocketsKind)]
    [TestCase("topic", FanOutServer.TopicKind)]
    public async Task Driver_AgainstTheServer_EverySubscriberGetsEveryMessageOnce(string mode, string kind, CancellationToken cancellationToken)
    {
        await using FanOutServer server = await FanOutServer.StartAsync(mode, "127.0.0.1", 0, cancellationToken);
        var options = new FanOutOptions
        {
            Server = Enum.Parse<RxSockets.LoadTool.FanOutServer>(kind, ignoreCase: true),
            Port = server.Server.EndPoint.Port,
            Subscribers = 20,
            Rate = 50,
            Warmup = TimeSpan.FromSeconds(0.2),
            Duration = TimeSpan.FromSeconds(1),
            ServerPid = Environment.ProcessId,
        };

        FanOutResult result = await FanOutRunner.RunAsync(options, progress: null, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Connected, Is.EqualTo(20));
            Assert.That(result.Published, Is.GreaterThan(0));
            Assert.That(result.Delivered, Is.GreaterThan(0));
            Assert.That((result.Missing, result.Duplicates, result.Ended), Is.EqualTo((0L, 0L, 0)), result.FirstProblem);
            Assert.That(result.P99Milliseconds, Is.GreaterThan(0));
            Assert.That(result.CpuMicrosecondsPerMessage, Is.Not.Null, "CPU time read from /proc");
            Assert.That(result.ToJson(), Does.StartWith("{\"server\":"));
        }
    }
}
