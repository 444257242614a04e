using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Testing.Tests;

/// <summary>The four seed patterns as marble tests over the real engine, in virtual time.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class HandlerMarbleTests
{
    [Test]
    public void Both_EchoUppercase_RepliesAtTheSameInstantAndCloses1000()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())),
            client: "-a--b--|");

        result.AssertServerSent("-A--B--|");
        result.AssertCloseCode(CloseCode.NormalClosure);
    }

    [Test]
    public void Both_RepliesMergedWithAFeed()
    {
        var scheduler = new TestScheduler();
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message>(Marbles.Letters) { ['w'] = Message.FromText("welcome") };

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())).Merge(Observable.Return(Message.FromText("welcome"))),
            client: "-a--b--|",
            values: values);

        result.AssertServerSent("wA--B--|");
    }

    [Test]
    public void Producer_TicksUntilTheClientLeaves()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            _ => Observable.Interval(TimeSpan.FromTicks(20), scheduler).Select(i => Message.FromText(((char)('a' + i)).ToString())),
            client: "-------|");

        result.AssertServerSent("--a-b-c|");
    }

    [Test]
    public void Consumer_ConsumesAndSendsNothing()
    {
        var scheduler = new TestScheduler();
        var consumed = new List<string>();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            (ws, ct) => ws.ForEachAsync(m => consumed.Add(m.Text), ct),
            client: "-a-b-|");

        result.AssertServerSent("-----|");
        Assert.That(consumed, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void AsyncHandler_Greeting_ClosesWhenItReturns()
    {
        var scheduler = new TestScheduler();
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['n'] = Message.FromText("Ada"), ['h'] = Message.FromText("Hello Ada!") };

        HandlerTestResult result = WebSocketTest.Run(scheduler, async (ws, ct) =>
        {
            string name = await ws.ReceiveTextAsync(ct);
            await ws.SendAsync($"Hello {name}!", ct);
        }, client: "--n----", values: values);

        result.AssertServerSent("--(h|)");
        result.AssertCloseCode(CloseCode.NormalClosure);
    }

    [Test]
    public void Handler_Throwing_Closes1011()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => ws.Select<Message, Message>(m => m.Text == "b" ? throw new InvalidOperationException("bad b") : m),
            client: "-a-b-");

        result.AssertServerSent("-a-#");
        result.AssertCloseCode(CloseCode.InternalError);
    }

    [Test]
    public void Registration_BroadcastReachesEveryRegisteredClient()
    {
        var scheduler = new TestScheduler();
        var registry = new List<WebSocketConnection>();
        VirtualConnectionPair alice = VirtualConnectionPair.Create(scheduler);
        VirtualConnectionPair bob = VirtualConnectionPair.Create(scheduler);
        foreach (VirtualConnectionPair pair in new[] { alice, bob })
        {
            registry.Add(pair.Server);
            pair.Server.Subscribe(m => WebSocketServer.Broadcast(m, registry));
        }

        ITestableObserver<Message> bobSees = scheduler.CreateObserver<Message>();
        bob.Client.Subscribe(bobSees);
        ITestableObservable<Message> aliceSays = scheduler.CreateHotObservable("-a--b-", Marbles.Letters);
        aliceSays.Subscribe(m => alice.Client.OnNext(m));
        scheduler.AdvanceTo(100);

        bobSees.AssertMarbles("-a--b", Marbles.Letters);
    }

    [Test]
    public void Latency_DelaysEveryReplyByTheLinkLatency()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())),
            client: "-a--b--|",
            configure: pair => pair.ServerToClient.Latency = TimeSpan.FromTicks(10),
            until: 200);

        result.AssertServerSent("--A--B--|");
    }

    [Test]
    public void ChoppedWrites_DoNotChangeWhatArrives()
    {
        var scheduler = new TestScheduler();
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['x'] = Message.FromText(new string('x', 5000) + "ü") };

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-x-x-|", values: values,
            configure: pair => { pair.ClientToServer.ChopSize = 1; pair.ServerToClient.ChopSize = 7; });

        result.AssertServerSent("-x-x-|");
    }

    [Test]
    public void Compression_NegotiatedOnBothEnds_MessagesSurviveTheCodec()
    {
        var scheduler = new TestScheduler();
        var options = new WebSocketOptions { Compression = new PerMessageDeflateOptions { Threshold = 0 } };
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['x'] = Message.FromText(new string('x', 10_000)), ['y'] = Message.FromText("y") };

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-x-y-x-|", values: values, options: options);

        result.AssertServerSent("-x-y-x-|");
        Assert.That(result.Pair.Server.Compression, Is.Not.Null);
    }
}
