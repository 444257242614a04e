using System;
using System.Collections.Generic;
using System.Reactive.Linq;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Testing.Tests;

/// <summary>The opening handshake runs for real over the virtual links: the request reaches the handler, refusals and the open timeout happen in virtual time.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class HandshakeInVirtualTimeTests
{
    private static readonly long s_second = TimeSpan.FromSeconds(1).Ticks;

    [Test]
    public void Run_Request_HandlerRoutesOnPathQueryAndHeaders()
    {
        var scheduler = new TestScheduler();
        var client = new WebSocketClientOptions { Headers = [new KeyValuePair<string, string>("X-User", "ada")] };
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['g'] = Message.FromText("/chat 7 ada") };

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => Observable.Return(Message.FromText($"{ws.Path} {ws.Request!.Query.Replace("room=", string.Empty, StringComparison.Ordinal)} {ws.Request.Headers.GetFirst("X-User")}")),
            client: "--", values: values, clientOptions: client, path: "/chat?room=7");

        result.AssertServerSent("(g|)");
        Assert.That(result.Pair.Server.Request!.Target, Is.EqualTo("/chat?room=7"));
        Assert.That(result.Pair.Server.Request.Host, Is.EqualTo("localhost"));
    }

    [Test]
    public async Task Pair_Subprotocol_NegotiatedByTheHandshake()
    {
        var scheduler = new TestScheduler();
        var server = new WebSocketServerOptions { Subprotocols = ["v2", "v1"] };
        var client = new WebSocketClientOptions { Subprotocols = ["v1", "v2"] };

        await using VirtualConnectionPair pair = VirtualConnectionPair.Create(scheduler, server, client, path: "/feed");

        Assert.That(pair.Server.Subprotocol, Is.EqualTo("v2"));
        Assert.That(pair.Client.Subprotocol, Is.EqualTo("v2"));
        Assert.That(pair.Server.Path, Is.EqualTo("/feed"));
    }

    [Test]
    public void Pair_ProcessRequestRefuses_ThrowsTheRejection()
    {
        var scheduler = new TestScheduler();
        var server = new WebSocketServerOptions
        {
            ProcessRequest = (request, _) => ValueTask.FromResult<HandshakeResponse?>(request.Headers.GetFirst("Authorization") is null ? HandshakeResponse.CreateError(401, "Who are you?") : null),
        };

        var error = Assert.Throws<HandshakeRejectedException>(() => VirtualConnectionPair.Create(scheduler, server));

        Assert.That(error!.StatusCode, Is.EqualTo(401));
    }

    [Test]
    public async Task OpenTimeout_ClientNeverSendsTheRequest_ServerDropsItInVirtualTime()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws, new WebSocketServerOptions { OpenTimeout = TimeSpan.FromSeconds(5) });

        VirtualClient silent = server.Connect(configure: c => c.ClientToServer.Stall(), options: new WebSocketOptions { OpenTimeout = TimeSpan.FromHours(1) });
        scheduler.AdvanceTo((5 * s_second) - 1);
        bool openBeforeTimeout = server.Server.ActiveSessions == 1 && !silent.Connected.IsCompleted;
        scheduler.AdvanceTo(5 * s_second);

        Assert.That(openBeforeTimeout, Is.True);
        Assert.That(server.Server.ActiveSessions, Is.Zero);
        Assert.That(silent.Connected.IsFaulted, Is.True);
        Assert.That(silent.Connected.Exception!.InnerException, Is.TypeOf<HandshakeException>().With.Message.Contains("closed the connection"));
    }

    [Test]
    public async Task OpenTimeout_ServerNeverAnswers_ClientGivesUpInVirtualTime()
    {
        var scheduler = new TestScheduler();
        await using VirtualServer server = VirtualServer.Start(scheduler, ws => ws);

        VirtualClient client = server.Connect(configure: c => c.ServerToClient.Stall(), options: new WebSocketOptions { OpenTimeout = TimeSpan.FromSeconds(3) });
        scheduler.AdvanceTo(3 * s_second);

        Assert.That(client.Connected.IsFaulted, Is.True);
        Assert.That(client.Connected.Exception!.InnerException, Is.TypeOf<HandshakeException>().With.Message.Contains("timed out"));
        Assert.That(client.Connection, Is.Null);
    }

    [Test]
    public async Task Latency_HandshakeTakesARoundTrip_StepsDueEarlierWaitForIt()
    {
        var scheduler = new TestScheduler();

        await using var server = VirtualServer.Start(scheduler, ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())));
        VirtualClient client = server.Connect("a-b--|", configure: c => { c.ClientToServer.Latency = TimeSpan.FromTicks(10); c.ServerToClient.Latency = TimeSpan.FromTicks(10); });
        scheduler.AdvanceTo(200);

        // Request at 0 arrives at 10, the 101 at 20: "a" waited for the handshake and is sent at 20,
        // answered at 40; "b" (due at 20) follows it; the close at 50 completes at 70.
        client.AssertReceived("----(AB)--|");
    }
}
