using System;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Playwright;
using NUnit.Framework;

namespace RxSockets.Compliance.Browser;

/// <summary>The ShowTime example in headless Chromium: the page, served by our server, shows the ticking time.</summary>
[TestFixture]
public sealed class ShowTimeBrowserTests : BrowserFixture
{
    [Test]
    public async Task Page_InChromium_ShowsThreeDistinctTimeUpdates()
    {
        await using WebSocketServer server = await ShowTime.Program.StartAsync("127.0.0.1", 0);
        DateTimeOffset started = DateTimeOffset.UtcNow;

        IResponse? response = await Page.GotoAsync(ShowTime.Program.PageUri(server).AbsoluteUri);
        Assert.That(response?.Status, Is.EqualTo(200));

        // DOM polling: remember every HH:mm:ss value the page shows until three distinct ones were seen.
        await Page.WaitForFunctionAsync(
            """
            () => {
              const text = document.getElementById('time').textContent;
              if (/^\d{2}:\d{2}:\d{2}$/.test(text)) (window.__seen ??= new Set()).add(text);
              return (window.__seen?.size ?? 0) >= 3;
            }
            """,
            null,
            new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = TimeoutMs });

        string shown = await Page.Locator("#time").GetAttributeAsync("datetime") ?? string.Empty;
        string status = await Page.Locator("#status").InnerTextAsync();
        string path = Artifacts.PathFor("showtime.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        Artifacts.Attach(path, $"the ShowTime page in {ChromiumVersion}");

        DateTimeOffset stamp = DateTimeOffset.ParseExact(shown, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo("connected"));
            Assert.That(stamp, Is.InRange(started.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(1)), "the page shows the current UTC time");
            Assert.That(new FileInfo(path).Length, Is.GreaterThan(1000), "a screenshot was saved");
        }
    }
}
