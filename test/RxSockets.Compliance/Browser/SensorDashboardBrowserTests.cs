using System;
using System.IO;
using System.Linq;
using System.Reactive.Concurrency;
using System.Threading.Tasks;
using Microsoft.Playwright;
using NUnit.Framework;
using SensorDashboard;

namespace RxSockets.Compliance.Browser;

/// <summary>
/// The SensorDashboard example in headless Chromium, its sensors in virtual time driven by the
/// test: the page draws the eight sensors, and the chart moves when the server publishes more.
/// </summary>
[TestFixture]
public sealed class SensorDashboardBrowserTests : BrowserFixture
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Test]
    public async Task Page_InChromium_DrawsEverySensorAndTheChartMovesAsTheServerPublishes()
    {
        var scheduler = new HistoricalScheduler(s_start);
        await using Dashboard dashboard = await SensorDashboard.Program.StartAsync("127.0.0.1", 0, scheduler);
        dashboard.Hub.TryGetTopic(SensorDashboard.Program.SensorsTopic, out FeedTopic? topic);

        IResponse? response = await Page.GotoAsync(dashboard.PageUri.AbsoluteUri);
        Assert.That(response?.Status, Is.EqualTo(200));
        await WaitForAsync("() => window.dashboard && window.dashboard.opens === 1");
        await WaitUntilAsync(() => topic!.IsSourceActive && topic.SubscriberCount == 1); // the walks start with the page

        // The same walks, subscribed on their own: the newest reading of each sensor the page must end with.
        var twin = new HistoricalScheduler(scheduler.Now);
        var newest = new System.Collections.Generic.Dictionary<string, Reading>();
        using IDisposable reference = Sensors.Simulate(8, TimeSpan.FromMilliseconds(100), twin).Subscribe(r => newest[r.Sensor] = r);

        scheduler.AdvanceBy(TimeSpan.FromSeconds(5)); // 8 sensors x 10 readings a second, published in one burst
        twin.AdvanceBy(TimeSpan.FromSeconds(5));
        await WaitForAsync($"() => window.dashboard.lastSeq === {topic!.LastSequence}");
        await Page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");
        byte[] before = await Page.Locator("#chart").ScreenshotAsync();
        await Page.EvaluateAsync("() => { const c = document.getElementById('chart'); window.before = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; }");

        scheduler.AdvanceBy(TimeSpan.FromSeconds(5));
        twin.AdvanceBy(TimeSpan.FromSeconds(5));
        await WaitForAsync($"() => window.dashboard.lastSeq === {topic.LastSequence}");
        await Page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");
        byte[] after = await Page.Locator("#chart").ScreenshotAsync();
        int changed = await Page.EvaluateAsync<int>("""
            () => {
              const c = document.getElementById('chart');
              const now = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let changed = 0;
              for (let i = 0; i < now.length; i += 4) {
                if (now[i] !== window.before[i] || now[i + 1] !== window.before[i + 1] || now[i + 2] !== window.before[i + 2] || now[i + 3] !== window.before[i + 3]) changed++;
              }
              return changed;
            }
            """);
        int drawn = await Page.EvaluateAsync<int>("""
            () => {
              const c = document.getElementById('chart');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let coloured = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] === d[i + 1] && d[i + 1] === d[i + 2])) coloured++;
              return coloured;
            }
            """);
        string[] legend = await Page.Locator("#legend span").AllInnerTextsAsync() is var texts ? [.. texts] : [];
        int readings = await Page.EvaluateAsync<int>("() => window.dashboard.readings");
        string path = Artifacts.PathFor("sensordashboard.png");
        await File.WriteAllBytesAsync(path, after);
        Artifacts.Attach(path, $"the SensorDashboard chart in {ChromiumVersion}");

        using (Assert.EnterMultipleScope())
        {
            // Each 5 s burst is published at once, faster than the connection drains: the page may
            // get fewer readings than were published (LatestPerKey), but always the newest of each sensor.
            Assert.That(readings, Is.InRange(8, 8 * 10 * 10));
            Assert.That(legend, Is.EqualTo(newest.Values.OrderBy(r => r.Sensor, StringComparer.Ordinal)
                .Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.Sensor} {r.Value:F2}"))));
            Assert.That(drawn, Is.GreaterThan(2000), "coloured lines were drawn");
            Assert.That(changed, Is.GreaterThan(2000), "the chart moved between the two moments");
            Assert.That(after, Is.Not.EqualTo(before), "and so did the screenshot");
        }
    }

    private async Task WaitForAsync(string condition) =>
        await Page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { PollingInterval = 20, Timeout = TimeoutMs });

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(TimeoutMs);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out");
            await Task.Delay(10); // polling a server-side state; the bound is the deadline above
        }
    }
}
