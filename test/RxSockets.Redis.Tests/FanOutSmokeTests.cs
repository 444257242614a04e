using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.LoadTool;
using FanOutServer = RxSockets.Benchmarks.FanOut.FanOutServer;

namespace RxSockets.Redis.Tests;

/// <summary>
/// The CI smoke of the cross-node fan-out benchmark (fanout.sh topic-redis): two fan-out servers in
/// topic mode, each with a Redis connection of its own (node A publishes the topic, node B relays it),
/// and the driver spreading its subscribers over both, for two seconds. Every subscriber on either node
/// must get every message once, and Redis's own counters must be read around the window. No speed
/// is asserted: docs/scale-out.md is where numbers live. The SignalR side (signalr-redis) is not
/// smoked here: it is the Kestrel app, run only by fanout.sh.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class FanOutSmokeTests
{
    [Test]
    public async Task Driver_AgainstTwoNodesOnRedis_EverySubscriberOnEitherNodeGetsEveryMessageOnce(CancellationToken cancellationToken)
    {
        using RedisServer redis = await RedisServer.StartAsync(); // its own: its command counts are this test's
        var backplaneOptions = new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = "fanout-smoke:" };
        await using RedisFeedBackplane backplaneA = await RedisFeedBackplane.ConnectAsync(backplaneOptions, cancellationToken);
        await using RedisFeedBackplane backplaneB = await RedisFeedBackplane.ConnectAsync(backplaneOptions, cancellationToken);
        await using FanOutServer nodeA = await FanOutServer.StartAsync("topic", "127.0.0.1", 0, backplaneA, relay: false, cancellationToken);
        await using FanOutServer nodeB = await FanOutServer.StartAsync("topic", "127.0.0.1", 0, backplaneB, relay: true, cancellationToken);
        var options = new FanOutOptions
        {
            Server = RxSockets.LoadTool.FanOutServer.Topic,
            Ports = [nodeA.Server.EndPoint.Port, nodeB.Server.EndPoint.Port],
            Subscribers = 20,
            Rate = 50,
            Warmup = TimeSpan.FromSeconds(0.3),
            Duration = TimeSpan.FromSeconds(2),
            ServerPid = Environment.ProcessId, // both nodes are this process
            RedisPid = redis.Pid,
            RedisPort = redis.Port,
        };

        FanOutResult result = await FanOutRunner.RunAsync(options, progress: null, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Connected, Is.EqualTo(20));
            Assert.That(options.SubscriberPort(1), Is.EqualTo(nodeB.Server.EndPoint.Port), "every other subscriber is on node B");
            Assert.That(result.Published, Is.GreaterThan(0));
            Assert.That(result.Delivered, Is.GreaterThan(0));
            Assert.That((result.Missing, result.Duplicates, result.Ended), Is.EqualTo((0L, 0L, 0)), result.FirstProblem);
            Assert.That(result.Nodes, Is.EqualTo(2));
            Assert.That(result.CpuMicrosecondsPerMessage, Is.Not.Null, "CPU time of the node and redis-server read from /proc");
            Assert.That(result.RedisCpuMicrosecondsPerMessage, Is.Not.Null);
            Assert.That(result.RedisCommands, Does.Contain("evalsha=").And.Contain("publish="), "INFO commandstats read around the window");
            Assert.That(result.ToJson(), Does.Contain("\"redis_commands_per_msg\":"));
        }
    }
}
