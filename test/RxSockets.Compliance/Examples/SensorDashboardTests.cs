using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Reactive.Concurrency;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SensorDashboard;

namespace RxSockets.Compliance.Examples;

/// <summary>The SensorDashboard example without a browser: the simulation, the page over HTTP, the conflation demo's client.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class SensorDashboardTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Test]
    public void Simulate_EverySensorReadsEveryPeriod_ARandomWalkWithBoundedSteps()
    {
        var scheduler = new HistoricalScheduler(s_start);
        var readings = new List<Reading>();
        using IDisposable subscription = Sensors.Simulate(3, TimeSpan.FromMilliseconds(100), scheduler, step: 1.0).Subscribe(readings.Add);

        scheduler.AdvanceBy(TimeSpan.FromSeconds(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(readings, Has.Count.EqualTo(30));
            Assert.That(readings.Select(r => r.Sensor).Distinct(), Is.EquivalentTo(new[] { "s1", "s2", "s3" }));
            Assert.That(readings[^1].At, Is.EqualTo(s_start.AddSeconds(1).ToUnixTimeMilliseconds()));
            foreach (IGrouping<string, Reading> sensor in readings.GroupBy(r => r.Sensor))
            {
                double[] values = [.. sensor.Select(r => r.Value)];
                Assert.That(values.Zip(values.Skip(1), (a, b) => Math.Abs(b - a)), Is.All.LessThanOrEqualTo(0.5 + 1e-9), sensor.Key);
            }
        }
    }

    [Test]
    public async Task StartAsync_GetRoot_ServesThePageAndTheClient(CancellationToken cancellationToken)
    {
        await using Dashboard dashboard = await SensorDashboard.Program.StartAsync("127.0.0.1", 0, new HistoricalScheduler(s_start), cancellationToken: cancellationToken);
        using var http = new HttpClient();

        string page = await http.GetStringAsync(dashboard.PageUri, cancellationToken);
        using HttpResponseMessage script = await http.GetAsync(new Uri(dashboard.PageUri, FeedHub.ClientScriptPath), cancellationToken);
        using HttpResponseMessage missing = await http.GetAsync(new Uri(dashboard.PageUri, "/nope"), cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(page, Does.Contain("<canvas id=\"chart\"").And.Contain("from '/rxsockets/feeds.js'").And.Not.Contain("https://"));
            Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    [Test]
    public async Task SlowClient_AsleepWhileThousandsArePublished_WakesToWhatItsBuffersHeldThenTheNewestOfEverySensor(CancellationToken cancellationToken)
    {
        var scheduler = new HistoricalScheduler(s_start);
        await using Dashboard dashboard = await SensorDashboard.Program.StartAsync("127.0.0.1", 0, scheduler, cancellationToken: cancellationToken);
        dashboard.Hub.TryGetTopic(SensorDashboard.Program.FastTopic, out FeedTopic? topic);
        using SlowClient client = await SlowClient.ConnectAsync(dashboard.Server.Uri, SensorDashboard.Program.FastTopic, cancellationToken);
        while (!(topic!.IsSourceActive && topic.SubscriberCount == 1))
        {
            await Task.Delay(10, cancellationToken); // polling a server-side state; the bound is CancelAfter
        }

        // The same walks, subscribed on their own: what the newest reading of each sensor must be.
        var expected = new Dictionary<string, Reading>();
        var twin = new HistoricalScheduler(s_start);
        using IDisposable reference = Sensors.Simulate(8, TimeSpan.FromMilliseconds(4), twin, step: 0.2, seed: 7).Subscribe(r => expected[r.Sensor] = r);

        for (int second = 0; second < 20; second++)
        {
            scheduler.AdvanceBy(TimeSpan.FromSeconds(1)); // 2,000 readings a second, about 200 KB
            twin.AdvanceBy(TimeSpan.FromSeconds(1));
        }

        Burst burst = await client.ReadBurstAsync(until: topic.LastSequence, int.MaxValue, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topic.LastSequence, Is.EqualTo(40_000));
            Assert.That(burst.Skipped, Is.GreaterThan(0), "readings were conflated away while it slept");
            Assert.That(burst.Messages, Is.LessThan(40_000));
            Assert.That(burst.Newest.Keys, Is.EquivalentTo(expected.Keys));
            foreach ((string sensor, (Reading reading, long _)) in burst.Newest)
            {
                Assert.That(reading, Is.EqualTo(expected[sensor]), $"{sensor}: the newest reading, not an old one");
            }
        }
    }
}
