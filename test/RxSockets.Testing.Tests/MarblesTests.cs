using System;
using System.Collections.Generic;
using System.Reactive;
using System.Reactive.Linq;
using Microsoft.Reactive.Testing;
using NUnit.Framework;

namespace RxSockets.Testing.Tests;

[TestFixture]
public sealed class MarblesTests : ReactiveTest
{
    private static readonly Dictionary<char, int> s_values = new() { ['a'] = 1, ['b'] = 2, ['c'] = 3 };

    [Test]
    public void Parse_FramesGroupsCompletion()
    {
        Recorded<Notification<int>>[] parsed = Marbles.Parse("-a--(bc)-|", s_values);

        ReactiveAssert.AreElementsEqual([OnNext(10, 1), OnNext(40, 2), OnNext(40, 3), OnCompleted<int>(60)], parsed);
    }

    [Test]
    public void Parse_SubscriptionPoint_IsTimeZero()
    {
        Recorded<Notification<int>>[] parsed = Marbles.Parse("a-^-b", s_values);

        ReactiveAssert.AreElementsEqual([OnNext(-20, 1), OnNext(20, 2)], parsed);
    }

    [Test]
    public void Parse_ErrorUsesGivenException()
    {
        var boom = new InvalidOperationException("boom");

        Recorded<Notification<int>>[] parsed = Marbles.Parse("a #", s_values, boom);

        Assert.That(parsed[1].Value.Exception, Is.SameAs(boom));
        Assert.That(parsed[1].Time, Is.EqualTo(10), "spaces take no time");
    }

    [TestCase("-x-")]
    [TestCase("(a")]
    [TestCase("a)")]
    [TestCase("((a))")]
    public void Parse_Malformed_Throws(string marbles)
    {
        Assert.That(() => Marbles.Parse(marbles, s_values), Throws.ArgumentException);
    }

    [TestCase("-a--(bc)-|")]
    [TestCase("abc")]
    [TestCase("---#")]
    [TestCase("")]
    public void Render_IsTheInverseOfParse(string marbles)
    {
        Assert.That(Marbles.Render(Marbles.Parse(marbles, s_values), s_values), Is.EqualTo(marbles));
    }

    [Test]
    public void ParseSubscription_ReadsCaretAndBang()
    {
        Assert.That(Marbles.ParseSubscription("--^---!"), Is.EqualTo(new Subscription(20, 60)));
        Assert.That(Marbles.ParseSubscription("^"), Is.EqualTo(new Subscription(0)));
    }

    [Test]
    public void AssertMarbles_Mismatch_ShowsExpectedAndActualDiagrams()
    {
        var scheduler = new TestScheduler();
        ITestableObservable<int> source = scheduler.CreateColdObservable("-a-b|", s_values);
        ITestableObserver<int> observer = scheduler.CreateObserver<int>();
        source.Subscribe(observer);
        scheduler.Start();

        var error = Assert.Throws<ReactiveAssertionException>(() => observer.AssertMarbles("-a-c|", s_values));

        Assert.That(error!.Message, Does.Contain("Expected: -a-c|").And.Contain("Actual:   -a-b|"));
        Assert.That(() => observer.AssertMarbles("-a-b|", s_values), Throws.Nothing);
    }

    [Test]
    public void HotMarbles_DriveAnOperatorUnderTest()
    {
        var scheduler = new TestScheduler();
        ITestableObservable<int> source = scheduler.CreateHotObservable("-a-b-c-|", s_values);
        ITestableObserver<int> observer = scheduler.CreateObserver<int>();

        source.Where(x => x != 2).Subscribe(observer);
        scheduler.Start();

        observer.AssertMarbles("-a---c-|", s_values);
    }

    [Test]
    public void Letters_MapsLettersToTextMessages()
    {
        Assert.That(Marbles.Letters['a'], Is.EqualTo(Message.FromText("a")));
        Assert.That(Marbles.Letters['Z'].Text, Is.EqualTo("Z"));
    }
}
