using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Soak;

namespace RxSockets.Redis.Tests;

/// <summary>
/// The soak of docs/scale-out.md ("Soak") compressed to seconds: redis-server, two node processes,
/// 20 clients, Redis restarted at 1/3 and node B killed and restarted at 2/3. Asserts only the
/// correctness counters (no wall-clock figures): no duplicate, no gap without a reset, every client
/// reaches the last message.
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class SoakSmokeTests
{
    [Test]
    public async Task Soak_RedisRestartAndNodeRestart_NoDuplicateNoUnannouncedGap_EveryClientReachesTheEnd()
    {
        RedisServer.RequireInstalled();
        string log = Path.Combine(TestContext.CurrentContext.WorkDirectory, "soak-smoke.log");
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(12),
            Clients = 20,
            RedisDown = TimeSpan.FromSeconds(1),
            NodeDown = TimeSpan.FromSeconds(1),
            Drain = TimeSpan.FromSeconds(30),
            Backoff = new Backoff { InitialDelay = TimeSpan.FromSeconds(1), MinDelay = TimeSpan.FromSeconds(0.5), MaxDelay = TimeSpan.FromSeconds(2) },
            LogPath = log,
            Console = TestContext.Progress.WriteLine,
            Deadline = TimeSpan.FromSeconds(150),
        };

        SoakResult result = await SoakRun.RunAsync(options);

        TestContext.Out.WriteLine(result);
        if (result.Failed)
        {
            TestContext.Out.WriteLine(File.ReadAllText(log));
        }

        Assert.Multiple(() =>
        {
            Assert.That(result.Published, Is.GreaterThan(0), "the publisher published");
            Assert.That(result.Duplicates, Is.Zero, "a message (epoch, seq) delivered twice");
            Assert.That(result.DuplicateBodies, Is.Zero, "a published message delivered twice under two numbers");
            Assert.That(result.UnannouncedGaps, Is.Zero, "a step in the sequence without a reset");
            Assert.That(result.UnannouncedEpochChanges, Is.Zero, "a new epoch without a reset");
            Assert.That(result.StaleEpochs, Is.Zero, "a message of an epoch already left");
            Assert.That(result.SilentLosses, Is.Zero, "a published message missing without a reset");
            Assert.That(result.NoData + result.Incomplete + result.Ended, Is.Zero, "every client reaches the last message and stays subscribed");
            Assert.That(result.Resets.GetValueOrDefault("epoch"), Is.EqualTo(options.Clients), "the Redis restart (its data lost) is one epoch reset per client");
        });
    }
}
