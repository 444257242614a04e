using System;
using System.Reactive.Subjects;
using System.Security.Claims;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

/// <summary>The hub over real sockets on 127.0.0.1: subscribing, unsubscribing, every documented answer to bad input.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class SessionSocketTests
{
    private Subject<string> _source = null!;
    private Subject<string> _other = null!;

    [SetUp]
    public void SetUp()
    {
        _source = new Subject<string>();
        _other = new Subject<string>();
    }

    [TearDown]
    public void TearDown()
    {
        _source.Dispose();
        _other.Dispose();
    }

    [Test]
    public async Task Subscribe_OverASocket_SubscribedThenLiveDataAsJson(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync();
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        Assert.That(client.Connection.Subprotocol, Is.EqualTo(FeedHub.Subprotocol));

        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        Envelope subscribed = await client.ExpectAsync("subscribed", cancellationToken);
        _source.OnNext("hello");
        Envelope data = await client.ExpectAsync("data", cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((subscribed.Topic, subscribed.Seq, subscribed.Epoch), Is.EqualTo(("t", 0L, server.Hub.TryGetTopic("t", out FeedTopic? t) ? t.Epoch : null)));
            Assert.That(data.Text, Is.EqualTo("""{"type":"data","topic":"t","seq":1,"data":"hello"}"""));
        }
    }

    [Test]
    public async Task Unsubscribe_OverASocket_UnsubscribedThenNothingMore(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync();
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        await client.SubscribeAsync("u", cancellationToken: cancellationToken);
        await client.ExpectAsync("subscribed", cancellationToken);
        await client.ExpectAsync("subscribed", cancellationToken);

        await client.UnsubscribeAsync("t", cancellationToken);
        Envelope unsubscribed = await client.ExpectAsync("unsubscribed", cancellationToken);
        _source.OnNext("not for me");
        _other.OnNext("for me");

        Envelope next = await client.ExpectAsync("data", cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((unsubscribed.Topic, unsubscribed.Reason), Is.EqualTo(("t", "requested")));
            Assert.That((next.Topic, next.Data), Is.EqualTo(("u", "for me")), "t sent nothing after unsubscribed");
        }
    }

    [TestCase("not json", FeedErrorCodes.BadRequest)]
    [TestCase("""{"type":"subscribe"}""", FeedErrorCodes.BadRequest)]
    [TestCase("""{"type":"subscribe","topic":"t","since":-3}""", FeedErrorCodes.BadRequest)]
    [TestCase("""{"type":"subscribe","topic":""}""", FeedErrorCodes.BadRequest)]
    [TestCase("""{"type":"publish","topic":"t"}""", FeedErrorCodes.UnknownType)]
    [TestCase("""{"type":"subscribe","topic":"nope"}""", FeedErrorCodes.UnknownTopic)]
    [TestCase("""{"type":"unsubscribe","topic":"t"}""", FeedErrorCodes.NotSubscribed)]
    public async Task BadRequest_AnsweredWithAnErrorAndTheConnectionStaysUp(string request, string code, CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync();
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);

        await client.SendAsync(request, cancellationToken);
        Envelope error = await client.ExpectAsync("error", cancellationToken);
        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        Envelope subscribed = await client.ReceiveAsync(cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Code, Is.EqualTo(code));
            Assert.That(error.Text, Does.Contain("\"message\":"));
            Assert.That(subscribed.Type, Is.EqualTo("subscribed"), "the connection is still up and serving");
        }
    }

    [Test]
    public async Task BinaryRequest_BadRequest(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync();
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);

        await client.Connection.SendAsync(new byte[] { 1, 2, 3 }, cancellationToken);

        Assert.That((await client.ExpectAsync("error", cancellationToken)).Code, Is.EqualTo(FeedErrorCodes.BadRequest));
    }

    [Test]
    public async Task Request_AtTheSizeLimitParsed_OneByteMoreTooLarge(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync(new FeedHubOptions { MaxRequestBytes = 100 });
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        string prefix = "{\"type\":\"subscribe\",\"topic\":\"t\",\"pad\":\"";
        string atLimit = prefix + new string('x', 100 - prefix.Length - 2) + "\"}";
        string overLimit = prefix + new string('é', 1) + new string('x', 100 - prefix.Length - 3) + "\"}"; // 'é' is two UTF-8 bytes
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(atLimit), Is.EqualTo(100));
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(overLimit), Is.EqualTo(101));

        await client.SendAsync(overLimit, cancellationToken);
        Envelope tooLarge = await client.ExpectAsync("error", cancellationToken);
        await client.SendAsync(atLimit, cancellationToken);
        Envelope subscribed = await client.ReceiveAsync(cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tooLarge.Code, Is.EqualTo(FeedErrorCodes.TooLarge));
            Assert.That(subscribed.Type, Is.EqualTo("subscribed"), "unknown fields (pad) are ignored");
        }
    }

    [Test]
    public async Task Subscribe_Twice_AlreadySubscribed(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync();
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        await client.ExpectAsync("subscribed", cancellationToken);

        await client.SubscribeAsync("t", cancellationToken: cancellationToken);

        Assert.That((await client.ExpectAsync("error", cancellationToken)).Code, Is.EqualTo(FeedErrorCodes.AlreadySubscribed));
    }

    [Test]
    public async Task Subscribe_MoreThanTheTopicCap_TooManyTopics_UnsubscribingMakesRoom(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync(new FeedHubOptions { MaxTopicsPerConnection = 1 });
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        await client.ExpectAsync("subscribed", cancellationToken);

        await client.SubscribeAsync("u", cancellationToken: cancellationToken);
        Envelope refused = await client.ExpectAsync("error", cancellationToken);
        await client.UnsubscribeAsync("t", cancellationToken);
        await client.ExpectAsync("unsubscribed", cancellationToken);
        await client.SubscribeAsync("u", cancellationToken: cancellationToken);
        Envelope accepted = await client.ReceiveAsync(cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((refused.Code, refused.Topic), Is.EqualTo((FeedErrorCodes.TooManyTopics, "u")));
            Assert.That((accepted.Type, accepted.Topic), Is.EqualTo(("subscribed", "u")));
        }
    }

    [Test]
    public async Task Errors_UpToTheCap_ThenClosedWith1008(CancellationToken cancellationToken)
    {
        await using FeedServer server = await StartAsync(new FeedHubOptions { MaxErrorsPerConnection = 3 });
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);

        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync("?", cancellationToken);
            await client.ExpectAsync("error", cancellationToken);
        }

        ConnectionClosedException? closed = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.ReceiveAsync(cancellationToken));
        Assert.That((closed!.Code, closed.Reason), Is.EqualTo((CloseCode.PolicyViolation, "too many feed errors")));
    }

    [Test]
    public async Task Authorize_HubHookRefuses_ForbiddenWithItsMessage_EvenForUnknownTopics(CancellationToken cancellationToken)
    {
        var options = new FeedHubOptions
        {
            Authorize = (context, _) => ValueTask.FromResult(context.Topic.StartsWith("secret", StringComparison.Ordinal) ? SubscribeDecision.Deny("members only") : SubscribeDecision.Allowed),
        };
        await using FeedServer server = await StartAsync(options, extra: "secret/plans");
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);

        await client.SubscribeAsync("secret/plans", cancellationToken: cancellationToken);
        Envelope existing = await client.ExpectAsync("error", cancellationToken);
        await client.SubscribeAsync("secret/none", cancellationToken: cancellationToken);
        Envelope missing = await client.ExpectAsync("error", cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((existing.Code, existing.Topic, existing.Text), Is.EqualTo((FeedErrorCodes.Forbidden, "secret/plans", """{"type":"error","topic":"secret/plans","code":"forbidden","message":"members only"}""")));
            Assert.That(missing.Code, Is.EqualTo(FeedErrorCodes.Forbidden), "the hub-wide hook answers first: no telling whether the topic exists");
        }
    }

    [Test]
    public async Task Authorize_TopicHookSeesRequestAndUser_AndMayChooseThePolicy(CancellationToken cancellationToken)
    {
        SubscribeContext? seen = null;
        var options = new FeedHubOptions
        {
            Identify = (connection, _) => ValueTask.FromResult<ClaimsPrincipal?>(connection.Request?.Headers.GetFirst("X-User") is { } name
                ? new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test"))
                : null),
        };
        await using FeedServer server = await FeedServer.StartAsync(options, publish: hub => hub.Publish("t", _source, TestJson.Default.String, new TopicOptions
        {
            Authorize = async (context, ct) =>
            {
                await Task.Yield(); // hooks may be asynchronous
                seen = context;
                return context.User?.Identity?.Name == "ada" ? SubscribeDecision.Allow(FlowPolicy.Latest) : SubscribeDecision.Deny("who are you?");
            },
        }));

        await using TestFeedClient stranger = await server.ConnectAsync("/?token=1", cancellationToken: cancellationToken);
        await stranger.SubscribeAsync("t", cancellationToken: cancellationToken);
        Envelope refused = await stranger.ExpectAsync("error", cancellationToken);
        Assert.That((refused.Code, seen?.Request?.Query), Is.EqualTo((FeedErrorCodes.Forbidden, "token=1")));

        var adaOptions = new WebSocketClientOptions { Headers = [new("X-User", "ada")] };
        await using TestFeedClient ada = await server.ConnectAsync("/", adaOptions, cancellationToken);
        await ada.SubscribeAsync("t", cancellationToken: cancellationToken);
        Envelope allowed = await ada.ReceiveAsync(cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(allowed.Type, Is.EqualTo("subscribed"));
            Assert.That(seen!.User!.Identity!.Name, Is.EqualTo("ada"));
            Assert.That(seen.Topic, Is.EqualTo("t"));
            Assert.That(seen.Since, Is.Null);
            Assert.That(server.Hub.TryGetTopic("t", out FeedTopic? topic) ? topic.SubscriberCount : -1, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Authorize_RefusedTopic_NeverReceivedIncludingOnAResume(CancellationToken cancellationToken)
    {
        var options = new FeedHubOptions { Authorize = (context, _) => ValueTask.FromResult(context.Topic == "t" ? SubscribeDecision.Deny() : SubscribeDecision.Allowed) };
        await using FeedServer server = await StartAsync(options);
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);
        server.Hub.TryGetTopic("t", out FeedTopic? topic);

        await client.SubscribeAsync("t", since: 0, epoch: topic!.Epoch, cancellationToken: cancellationToken);
        Envelope refused = await client.ExpectAsync("error", cancellationToken);
        await client.SubscribeAsync("u", cancellationToken: cancellationToken);
        await client.ExpectAsync("subscribed", cancellationToken);
        _source.OnNext("secret");
        _other.OnNext("public");

        Envelope next = await client.ReceiveAsync(cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.Code, Is.EqualTo(FeedErrorCodes.Forbidden));
            Assert.That((next.Topic, next.Data), Is.EqualTo(("u", "public")), "nothing of t, before or after");
            Assert.That(topic.SubscriberCount, Is.Zero);
        }
    }

    [Test]
    public async Task Authorize_HookThrows_RefusedAndTheConnectionStaysUp(CancellationToken cancellationToken)
    {
        var options = new FeedHubOptions { Authorize = (_, _) => throw new InvalidOperationException("bug in the hook") };
        await using FeedServer server = await StartAsync(options);
        await using TestFeedClient client = await server.ConnectAsync(cancellationToken: cancellationToken);

        await client.SubscribeAsync("t", cancellationToken: cancellationToken);
        Envelope refused = await client.ExpectAsync("error", cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((refused.Code, refused.Text), Is.EqualTo((FeedErrorCodes.Forbidden, """{"type":"error","topic":"t","code":"forbidden","message":"authorization failed"}""")));
            Assert.That(client.Connection.State, Is.EqualTo(ConnectionState.Open));
        }
    }

    [Test]
    public async Task TopicFromPath_SubscribesByPathAndResumesFromTheQuery(CancellationToken cancellationToken)
    {
        var options = new FeedHubOptions { TopicFromPath = path => path.StartsWith("/feeds/", StringComparison.Ordinal) ? path["/feeds/".Length..] : null };
        await using FeedServer server = await FeedServer.StartAsync(options, publish: hub => hub.Publish("sensors/a b", _source, TestJson.Default.String));
        server.Hub.TryGetTopic("sensors/a b", out FeedTopic? topic);
        await using (TestFeedClient first = await server.ConnectAsync("/feeds/sensors/a%20b", cancellationToken: cancellationToken))
        {
            await first.ExpectAsync("subscribed", cancellationToken);
            _source.OnNext("1");
            _source.OnNext("2");
            _source.OnNext("3");
            Assert.That((await first.ExpectAsync("data", cancellationToken)).Data, Is.EqualTo("1"));
        }

        await using TestFeedClient resumed = await server.ConnectAsync($"/feeds/sensors/a%20b?since=1&epoch={topic!.Epoch}", cancellationToken: cancellationToken);
        Envelope subscribed = await resumed.ExpectAsync("subscribed", cancellationToken);
        Envelope two = await resumed.ExpectAsync("data", cancellationToken);
        Envelope three = await resumed.ExpectAsync("data", cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(subscribed.Topic, Is.EqualTo("sensors/a b"));
            Assert.That((two.Seq, two.Data, three.Seq, three.Data), Is.EqualTo((2L, "2", 3L, "3")));
        }
    }

    private Task<FeedServer> StartAsync(FeedHubOptions? options = null, string? extra = null) =>
        FeedServer.StartAsync(options, publish: hub =>
        {
            hub.Publish("t", _source, TestJson.Default.String);
            hub.Publish("u", _other, TestJson.Default.String);
            if (extra is not null)
            {
                hub.Publish(extra, _source, TestJson.Default.String);
            }
        });
}

/// <summary>The browser client served over plain HTTP on the server's port.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ClientScriptTests
{
    [Test]
    public async Task ServeClientScriptAsync_GetOfItsPath_ServesTheModule_OtherRequestsGoOn(CancellationToken cancellationToken)
    {
        await using FeedServer server = await FeedServer.StartAsync(configure: o => o.ProcessRequest = FeedHub.ServeClientScriptAsync);
        using var http = new System.Net.Http.HttpClient();
        var baseUri = new UriBuilder(server.Uri) { Scheme = Uri.UriSchemeHttp }.Uri;

        using System.Net.Http.HttpResponseMessage script = await http.GetAsync(new Uri(baseUri, FeedHub.ClientScriptPath), cancellationToken);
        string body = await script.Content.ReadAsStringAsync(cancellationToken);
        using System.Net.Http.HttpResponseMessage other = await http.GetAsync(new Uri(baseUri, "/elsewhere.js"), cancellationToken);
        await using TestFeedClient feeds = await server.ConnectAsync(FeedHub.ClientScriptPath, cancellationToken: cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)script.StatusCode, Is.EqualTo(200));
            Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
            Assert.That(body, Does.Contain("export class FeedClient").And.Contain($"'{FeedHub.Subprotocol}'"));
            Assert.That(System.Text.Encoding.UTF8.GetBytes(body), Is.EqualTo(FeedHub.ClientScriptSource.ToArray()));
            Assert.That((int)other.StatusCode, Is.EqualTo(426), "not ours: the server's usual answer to a plain request");
            Assert.That(feeds.Connection.State, Is.EqualTo(ConnectionState.Open), "an upgrade on the same path still upgrades");
        }
    }
}
