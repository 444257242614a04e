using System;
using System.Reactive;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// Assertions on Microsoft.Reactive.Testing's recording types whose failure messages show expected
/// and actual as timelines, one notification or subscription per line, the first difference marked.
/// </summary>
/// <remarks>
/// <c>ReactiveAssert.AreElementsEqual</c> from the package works on the same types; these differ in
/// the failure message and in comparing errors by type and message rather than by instance.
/// Stateless and thread-safe.
/// </remarks>
public static class TestableAssertExtensions
{
    /// <summary>Checks that the observer recorded exactly <paramref name="expected"/>, at the same virtual times.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observer">The observer, from <c>TestScheduler.CreateObserver</c> or <c>TestScheduler.Start</c>.</param>
    /// <param name="expected">The expected notifications (<c>ReactiveTest.OnNext(210, x)</c>, …).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">They differ; the message shows both timelines.</exception>
    public static void AssertMessages<T>(this ITestableObserver<T> observer, params Recorded<Notification<T>>[] expected)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(expected);
        Timeline.AssertEqual(expected, observer.Messages);
    }

    /// <summary>Checks that the observable was subscribed to exactly as <paramref name="expected"/> says.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observable">A hot or cold observable from the <c>TestScheduler</c>.</param>
    /// <param name="expected">The expected subscriptions (<c>ReactiveTest.Subscribe(200, 400)</c>, …).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">They differ; the message shows both timelines.</exception>
    public static void AssertSubscriptions<T>(this ITestableObservable<T> observable, params Subscription[] expected)
    {
        ArgumentNullException.ThrowIfNull(observable);
        ArgumentNullException.ThrowIfNull(expected);
        Timeline.AssertEqual(expected, observable.Subscriptions);
    }

    /// <summary>Checks the subscriptions against subscription diagrams such as <c>"--^---!"</c> (see <see cref="Marbles.ParseSubscription"/>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observable">A hot or cold observable from the <c>TestScheduler</c>.</param>
    /// <param name="expected">One diagram per expected subscription.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A diagram has no <c>^</c>.</exception>
    /// <exception cref="ReactiveAssertionException">They differ; the message shows both timelines.</exception>
    public static void AssertSubscriptions<T>(this ITestableObservable<T> observable, params string[] expected)
    {
        ArgumentNullException.ThrowIfNull(observable);
        ArgumentNullException.ThrowIfNull(expected);
        Timeline.AssertEqual(Array.ConvertAll(expected, d => Marbles.ParseSubscription(d)), observable.Subscriptions);
    }
}
