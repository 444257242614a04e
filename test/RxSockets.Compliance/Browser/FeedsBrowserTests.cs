using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reactive.Subjects;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Playwright;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Browser;

/// <summary>
/// The feeds browser client (/rxsockets/feeds.js) in headless Chromium against our hub: the
/// connection is dropped under the page while messages flow, and the page must show every message
/// exactly once after it reconnects and resumes; a resume older than history shows a reset.
/// </summary>
[TestFixture]
public sealed class FeedsBrowserTests : BrowserFixture
{
    private static readonly byte[] s_page = LoadPage();

    [Test]
    public async Task Page_ConnectionDroppedTwiceWhileMessagesFlow_ShowsEveryMessageExactlyOnce()
    {
        const int count = 300;
        using var source = new Subject<int>();
        await using Harness harness = await Harness.StartAsync(source, new TopicOptions { HistoryCount = 1024 });

        await OpenPageAsync(harness);
        for (int i = 1; i <= count; i++)
        {
            source.OnNext(i);
            if (i is 100 or 200)
            {
                int opens = await Page.EvaluateAsync<int>("() => window.feedTest.opens");
                await WaitForAsync($"() => window.feedTest.events.length >= {i - 50}"); // it is receiving
                harness.DropAll(); // server-side abort: the page sees 1006 and reconnects with backoff
                await WaitForAsync($"() => window.feedTest.opens > {opens} && window.feedTest.subscribed > {opens}");
            }
        }

        await WaitForAsync($"() => window.feedTest.events.length >= {count} && window.feedTest.iterated.length >= {count}");
        int[] shown = await Page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#items li')].map(li => Number(li.textContent))");
        long[] events = await Page.EvaluateAsync<long[]>("() => window.feedTest.events");
        long[] iterated = await Page.EvaluateAsync<long[]>("() => window.feedTest.iterated");
        int duplicates = await Page.EvaluateAsync<int>("() => window.feedTest.subscription.duplicates");
        int opened = await Page.EvaluateAsync<int>("() => window.feedTest.opens");
        int resets = await Page.EvaluateAsync<int>("() => window.feedTest.resets");
        await ScreenshotAsync("feeds-reconnect.png");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shown, Is.EqualTo(Enumerable.Range(1, count)), "every message shown exactly once, in order");
            Assert.That(events, Is.EqualTo(Enumerable.Range(1, count).Select(i => (long)i)));
            Assert.That(iterated, Is.EqualTo(events), "the async iterator saw the same");
            Assert.That(duplicates, Is.Zero, "the server resent nothing the page already had");
            Assert.That(opened, Is.EqualTo(3), "dropped twice, reconnected twice");
            Assert.That(resets, Is.Zero);
        }
    }

    [Test]
    public async Task Page_ResumeOlderThanHistory_ShowsResetThenTheNewestThenLive()
    {
        using var source = new Subject<int>();
        await using Harness harness = await Harness.StartAsync(source, new TopicOptions { HistoryCount = 10 });

        await OpenPageAsync(harness);
        source.OnNext(1);
        await WaitForAsync("() => window.feedTest.events.length === 1");

        harness.RefuseHandshakes = true; // the page's reconnects fail with 503 and back off
        harness.DropAll();
        await WaitForAsync("() => window.feedTest.closes >= 3"); // the drop, then two refused attempts
        for (int i = 2; i <= 50; i++)
        {
            source.OnNext(i); // history keeps 41..50 only
        }

        harness.RefuseHandshakes = false;
        await WaitForAsync("() => window.feedTest.resets === 1 && window.feedTest.events.at(-1) === 50");
        source.OnNext(51);
        await WaitForAsync("() => window.feedTest.events.at(-1) === 51");
        int[] shown = await Page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#items li')].map(li => Number(li.textContent))");
        string[] iterated = await Page.EvaluateAsync<string[]>("() => window.feedTest.iterated.map(String)");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shown, Is.EqualTo(new[] { 50, 51 }), "after the reset: the snapshot (the newest), then live");
            Assert.That(iterated, Is.EqualTo(new[] { "1", "reset:history", "50", "51" }));
        }
    }

    [Test]
    public async Task Page_RefusedTopicAndBinaryTopic_ErrorEventEndsTheSubscription_BinaryDataIsBytes()
    {
        using var source = new Subject<int>();
        using var raw = new Subject<Message>();
        await using Harness harness = await Harness.StartAsync(source, new TopicOptions(), hub =>
        {
            hub.Publish("raw", raw);
            hub.Publish("secret", raw, new TopicOptions { Authorize = (_, _) => ValueTask.FromResult(SubscribeDecision.Deny("members only")) });
        });
        await OpenPageAsync(harness);

        await Page.EvaluateAsync("""
            () => {
              const client = new window.FeedClient(`ws://${location.host}/`);
              const t = window.scripted = { error: null, ended: false, rawSubscribed: false, bytes: null };
              const secret = client.subscribe('secret');
              secret.addEventListener('error', e => t.error = e.detail);
              secret.addEventListener('end', () => t.ended = true);
              const rawTopic = client.subscribe('raw');
              rawTopic.addEventListener('subscribed', () => t.rawSubscribed = true);
              rawTopic.addEventListener('data', e => t.bytes = Array.from(e.detail.data));
            }
            """);

        // 'subscribed' is sent after the subscriber is attached, so what is published from here on
        // reaches the page; the refusal of 'secret' says nothing about when 'raw' is attached.
        await WaitForAsync("() => window.scripted.ended && window.scripted.rawSubscribed");
        raw.OnNext(Message.FromBinary(new byte[] { 0, 1, 2, 255 }));
        await WaitForAsync("() => window.scripted.bytes !== null");
        string error = await Page.EvaluateAsync<string>("() => JSON.stringify(window.scripted.error)");
        int[] bytes = await Page.EvaluateAsync<int[]>("() => window.scripted.bytes");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error, Is.EqualTo("""{"type":"error","topic":"secret","code":"forbidden","message":"members only"}"""));
            Assert.That(bytes, Is.EqualTo(new[] { 0, 1, 2, 255 }));
        }
    }

    private async Task OpenPageAsync(Harness harness)
    {
        IResponse? response = await Page.GotoAsync(harness.PageUri.AbsoluteUri);
        Assert.That(response?.Status, Is.EqualTo(200));
        await WaitForAsync("() => window.feedTest && window.feedTest.subscribed === 1");
    }

    private async Task WaitForAsync(string condition) =>
        await Page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { PollingInterval = 20, Timeout = TimeoutMs });

    private async Task ScreenshotAsync(string name)
    {
        string path = Artifacts.PathFor(name);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        Artifacts.Attach(path, $"{name} in {ChromiumVersion}");
    }

    private static byte[] LoadPage()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RxSockets.Compliance.Browser.feeds.html")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>A hub with one topic, "count", served with the test page and the client script.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly FeedHub _hub;
        private WebSocketServer _server = null!;

        private Harness(FeedHub hub) => _hub = hub;

        /// <summary>While set, WebSocket handshakes are answered 503 (the page's reconnects fail).</summary>
        public volatile bool RefuseHandshakes;

        public Uri PageUri => new UriBuilder(_server.Uri) { Scheme = Uri.UriSchemeHttp, Path = "/" }.Uri;

        public static async Task<Harness> StartAsync(IObservable<int> source, TopicOptions options, Action<FeedHub>? more = null)
        {
            var harness = new Harness(new FeedHub());
            harness._hub.Publish("count", source, FeedsJson.Default.Int32, options);
            more?.Invoke(harness._hub);
            harness._server = await WebSocketServer.StartAsync(harness._hub.ServeAsync, new WebSocketServerOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                Subprotocols = [FeedHub.Subprotocol],
                ProcessRequest = harness.ProcessRequestAsync,
            });
            return harness;
        }

        public void DropAll()
        {
            foreach (WebSocketConnection connection in _server.Connections)
            {
                connection.Abort();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            _hub.Dispose();
        }

        private async ValueTask<HandshakeResponse?> ProcessRequestAsync(HandshakeRequest request, CancellationToken cancellationToken)
        {
            if (await FeedHub.ServeClientScriptAsync(request, cancellationToken) is { } script)
            {
                return script;
            }

            if (request.Headers.ContainsToken("Upgrade", "websocket"))
            {
                return RefuseHandshakes ? HandshakeResponse.CreateError(503, "not now") : null;
            }

            var headers = new HttpHeaders();
            headers.Add("Content-Type", "text/html; charset=utf-8");
            headers.Add("Content-Length", s_page.Length.ToString(CultureInfo.InvariantCulture));
            headers.Add("Connection", "close");
            return new HandshakeResponse(200, "OK", headers, s_page);
        }
    }
}

/// <summary>Source-generated JSON for the browser tests' feeds.</summary>
[JsonSerializable(typeof(int))]
internal sealed partial class FeedsJson : JsonSerializerContext;
