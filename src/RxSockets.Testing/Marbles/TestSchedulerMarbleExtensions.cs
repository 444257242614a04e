using System;
using System.Collections.Generic;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// Marble diagrams on Microsoft.Reactive.Testing's types: hot and cold observables from a diagram,
/// and an observer's recording checked against one.
/// </summary>
/// <remarks>Stateless and thread-safe (the scheduler itself is not).</remarks>
public static class TestSchedulerMarbleExtensions
{
    /// <summary>A hot observable from a diagram; with <c>^</c>, times count from its position, otherwise from 0.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="scheduler">The scheduler.</param>
    /// <param name="marbles">The diagram.</param>
    /// <param name="values">What each character stands for.</param>
    /// <param name="error">The error for <c>#</c>.</param>
    /// <returns>The observable, which records its subscriptions.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed or uses a character with no value.</exception>
    public static ITestableObservable<T> CreateHotObservable<T>(this TestScheduler scheduler, string marbles, IReadOnlyDictionary<char, T> values, Exception? error = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return scheduler.CreateHotObservable(Marbles.Parse(marbles, values, error));
    }

    /// <summary>A cold observable from a diagram: times count from each subscription.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="scheduler">The scheduler.</param>
    /// <param name="marbles">The diagram.</param>
    /// <param name="values">What each character stands for.</param>
    /// <param name="error">The error for <c>#</c>.</param>
    /// <returns>The observable, which records its subscriptions.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed or uses a character with no value.</exception>
    public static ITestableObservable<T> CreateColdObservable<T>(this TestScheduler scheduler, string marbles, IReadOnlyDictionary<char, T> values, Exception? error = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return scheduler.CreateColdObservable(Marbles.Parse(marbles, values, error));
    }

    /// <summary>Checks what an observer recorded against a diagram (see <see cref="Marbles.AssertEqual{T}"/>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observer">The observer.</param>
    /// <param name="expected">The expected diagram.</param>
    /// <param name="values">What each character stands for.</param>
    /// <param name="error">The expected error for <c>#</c>; <see langword="null"/> for any.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">The recorded stream differs; the message shows both diagrams.</exception>
    public static void AssertMarbles<T>(this ITestableObserver<T> observer, string expected, IReadOnlyDictionary<char, T> values, Exception? error = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Marbles.AssertEqual(observer.Messages, expected, values, error);
    }

    /// <summary>What an observer recorded, as a diagram (see <see cref="Marbles.Render{T}"/>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="observer">The observer.</param>
    /// <param name="values">What each character stands for; values without one show as <c>?</c>.</param>
    /// <returns>The diagram.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static string ToMarbles<T>(this ITestableObserver<T> observer, IReadOnlyDictionary<char, T> values)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return Marbles.Render(observer.Messages, values);
    }
}
