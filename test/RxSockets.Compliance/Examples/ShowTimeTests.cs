using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Reactive.Concurrency;
using System.Threading.Tasks;
using NUnit.Framework;
using ShowTime;

namespace RxSockets.Compliance.Examples;

/// <summary>The ShowTime example without a browser: the shared feed in virtual time, the page over HTTP, the feed over WebSocket.</summary>
[TestFixture]
public sealed class ShowTimeTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public void CreateFeed_TicksEverySecondWithTheSchedulersTime()
    {
        var scheduler = new HistoricalScheduler(s_start);
        var seen = new List<string>();
        using IDisposable subscription = Program.CreateFeed(scheduler).Subscribe(m => seen.Add(m.Text));

        scheduler.AdvanceBy(TimeSpan.FromSeconds(3));

        Assert.That(seen, Is.EqualTo(new[] { "2026-01-02T03:04:06Z", "2026-01-02T03:04:07Z", "2026-01-02T03:04:08Z" }));
    }

    [Test]
    public void CreateFeed_LateSubscriber_SharesTheRunningTimer()
    {
        var scheduler = new HistoricalScheduler(s_start);
        IObservable<Message> feed = Program.CreateFeed(scheduler);
        var first = new List<string>();
        var late = new List<string>();
        using IDisposable a = feed.Subscribe(m => first.Add(m.Text));
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1.5));

        using IDisposable b = feed.Subscribe(m => late.Add(m.Text));
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1));

        // A timer of its own would tick at 03:04:07.5; the shared one ticks at 03:04:07.
        Assert.That(late, Is.EqualTo(new[] { "2026-01-02T03:04:07Z" }));
        Assert.That(first, Is.EqualTo(new[] { "2026-01-02T03:04:06Z", "2026-01-02T03:04:07Z" }));
    }

    [Test]
    public async Task StartAsync_GetRoot_ServesThePage()
    {
        await using WebSocketServer server = await Program.StartAsync("127.0.0.1", 0);
        using var http = new HttpClient { Timeout = s_wait };

        using HttpResponseMessage page = await http.GetAsync(Program.PageUri(server));
        using HttpResponseMessage missing = await http.GetAsync(new Uri(Program.PageUri(server), "/missing"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
            Assert.That(page.Content.Headers.ContentLength, Is.EqualTo(TimePage.Html.Length));
            Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<title>ShowTime"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    [Test]
    public async Task StartAsync_TwoConnections_GetTheCurrentTimeThenTheSameTicks()
    {
        var scheduler = new HistoricalScheduler(s_start);
        await using WebSocketServer server = await Program.StartAsync("127.0.0.1", 0, scheduler);
        await using WebSocketConnection a = await WebSocketClient.ConnectAsync(server.Uri);
        await using WebSocketConnection b = await WebSocketClient.ConnectAsync(server.Uri);

        // The first message is sent once the connection has joined the shared feed.
        Assert.That(await a.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("2026-01-02T03:04:05Z"));
        Assert.That(await b.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("2026-01-02T03:04:05Z"));
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1));

        Assert.That(await a.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("2026-01-02T03:04:06Z"));
        Assert.That(await b.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("2026-01-02T03:04:06Z"));
    }
}
