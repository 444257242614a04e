using System;
using System.Collections.Generic;
using System.Reactive.Linq;
using Microsoft.Reactive.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Testing.Tests;

/// <summary>Connection diagrams: the run's length, close codes and pings, and their failure messages.</summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class ConnectionDiagramTests
{
    [Test]
    public void Run_TrailingDashes_ExtendTheRunSoALateErrorIsSeen()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            _ => Observable.Timer(TimeSpan.FromTicks(50), scheduler).SelectMany(_ => Observable.Throw<Message>(new InvalidOperationException("late"))),
            client: "-------");

        result.AssertServerSent("-----#{1011}");
        Assert.That(scheduler.Clock, Is.EqualTo(70), "the run lasts the whole diagram");
    }

    [Test]
    public void Run_ValueInTheFirstFrame_IsSentAtTimeZero()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "a|");

        result.AssertServerSent("a|");
    }

    [Test]
    public void AssertServerSent_CloseCode_ComparedWhenGiven()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler,
            (ws, ct) => throw new WebSocketCloseException(CloseCode.PolicyViolation, "no"),
            client: "--");

        result.AssertServerSent("#{1008}");
        result.AssertServerSent("#");
        var error = Assert.Throws<ReactiveAssertionException>(() => result.AssertServerSent("#{1011}"));
        Assert.That(error!.Message, Does.Contain("Expected: #{1011}").And.Contain("Actual:   #{1008}"));
    }

    [Test]
    public void ClientDiagram_CloseWithCode_ServerSeesThatCode()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-a-|{1001}");

        result.AssertServerSent("-a-|{1001}"); // the server echoes the code it received
        Assert.That(result.Pair.Server.ClosedException?.Received?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    [Test]
    public void ClientDiagram_ErrorWithCode_ClosesWithThatCode()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-#{4000}");

        Assert.That(result.Pair.Server.ClosedException?.Received?.Code, Is.EqualTo((CloseCode)4000));
        result.AssertServerSent("-#{4000}");
    }

    [Test]
    public void ServerPings_CountOnlyWhenTheDiagramHasThem()
    {
        var scheduler = new TestScheduler();
        var keepAlive = new WebSocketOptions { PingInterval = TimeSpan.FromTicks(30), PingTimeout = TimeSpan.FromTicks(10) };

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "----------|", options: keepAlive);

        result.AssertServerSent("---*--*--*|");
        result.AssertServerSent("----------|");
        Assert.That(result.Client.PingsReceived, Is.EqualTo(new long[] { 30, 60, 90 }));
        Assert.That(() => result.AssertServerSent("---*-----|"), Throws.TypeOf<ReactiveAssertionException>());
    }

    [Test]
    public void ClientPing_RoundTripTakesTheLinkLatency()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws, client: "-*---|",
            options: new WebSocketOptions { PingInterval = null },
            configure: pair => pair.ServerToClient.Latency = TimeSpan.FromTicks(20));

        Assert.That(result.Client.PingsSent, Is.EqualTo(new long[] { 10 }));
        Assert.That(result.Pair.Client.Latency, Is.EqualTo(TimeSpan.FromTicks(20)));
    }

    [Test]
    public void ServerSentMarbles_ShowsTheEndingWithItsCode()
    {
        var scheduler = new TestScheduler();

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())), client: "-a(bc)|");

        Assert.That(result.ServerSentMarbles, Is.EqualTo("-A(BC)|{1000}"));
    }

    [TestCase("-a{1000}")]
    [TestCase("-|{99}")]
    [TestCase("-|{1000")]
    [TestCase("^-^")]
    public void Run_MalformedDiagram_Throws(string client)
    {
        var scheduler = new TestScheduler();

        Assert.That(() => WebSocketTest.Run(scheduler, ws => ws, client), Throws.ArgumentException);
    }

    [Test]
    public void Duration_CountsTrailingFramesFromTheSubscriptionPoint()
    {
        Assert.That(Marbles.Duration("-a--"), Is.EqualTo(40));
        Assert.That(Marbles.Duration("a|"), Is.EqualTo(20));
        Assert.That(Marbles.Duration("--^-(ab)-"), Is.EqualTo(40));
        Assert.That(Marbles.Duration(string.Empty), Is.Zero);
    }

    [Test]
    public void Values_AnyCharacter_MapsToItsMessage()
    {
        var scheduler = new TestScheduler();
        IReadOnlyDictionary<char, Message> values = new Dictionary<char, Message> { ['q'] = Message.FromText("question"), ['r'] = Message.FromText("answer") };

        HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws.Select(_ => Message.FromText("answer")), client: "-q-|", values: values);

        result.AssertServerSent("-r-|");
    }
}
