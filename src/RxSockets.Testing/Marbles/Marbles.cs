using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive;
using System.Text;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// Marble diagrams: a compact way to write timed streams as text, parsed into recorded
/// notifications and rendered back for failure messages.
/// </summary>
/// <remarks>
/// <para>Syntax (each character is one frame of <see cref="DefaultFrameTicks"/> virtual ticks unless noted):</para>
/// <list type="table">
/// <item><term><c>-</c></term><description>one frame passes with nothing happening.</description></item>
/// <item><term><c>a</c>, <c>B</c>, <c>7</c> …</term><description>a value: the character is looked up in the values dictionary (for messages, <see cref="Letters"/> maps each letter or digit to a text message of that character).</description></item>
/// <item><term><c>(ab)</c></term><description>a group: everything inside happens in the same frame; the whole group takes one frame.</description></item>
/// <item><term><c>|</c></term><description>completion (for a connection: a close handshake).</description></item>
/// <item><term><c>#</c></term><description>an error.</description></item>
/// <item><term><c>^</c></term><description>the subscription point: times are counted from it (it is time 0; earlier frames are negative).</description></item>
/// <item><term><c>!</c></term><description>the unsubscription point (in subscription diagrams).</description></item>
/// <item><term>space</term><description>ignored, for alignment.</description></item>
/// </list>
/// <para>
/// Example: <c>"-a--(bc)-|"</c> is a at 10, b and c at 40, completion at 60. Times are
/// Microsoft.Reactive.Testing ticks, and the results are its <see cref="Recorded{T}"/> and
/// <see cref="Subscription"/> values, so they mix with <c>ReactiveTest.OnNext(10, x)</c> and the
/// <c>TestScheduler</c>'s observables. Connection diagrams (<see cref="WebSocketTest"/>) add close
/// codes and pings to this syntax (docs/testing.md). Stateless and thread-safe.
/// </para>
/// </remarks>
public static class Marbles
{
    /// <summary>Virtual ticks per frame: 10, as in Microsoft.Reactive.Testing examples.</summary>
    public const long DefaultFrameTicks = 10;

    /// <summary>Each letter a–z, A–Z and digit 0–9 mapped to a text message holding that one character.</summary>
    public static IReadOnlyDictionary<char, Message> Letters { get; } =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".ToDictionary(c => c, c => Message.FromText(c.ToString()));

    /// <summary>Parses a marble diagram into notifications at virtual times.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="marbles">The diagram.</param>
    /// <param name="values">What each value character stands for.</param>
    /// <param name="error">The error for <c>#</c>; <see langword="null"/> for a generic one.</param>
    /// <param name="frameTicks">Virtual ticks per frame.</param>
    /// <param name="offset">Added to every time (for example the subscription time of a cold observable's run).</param>
    /// <returns>The notifications in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="marbles"/> or <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed or uses a character with no value.</exception>
    public static Recorded<Notification<T>>[] Parse<T>(string marbles, IReadOnlyDictionary<char, T> values, Exception? error = null, long frameTicks = DefaultFrameTicks, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(marbles);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameTicks, 1);
        long origin = SubscriptionFrame(marbles);
        var result = new List<Recorded<Notification<T>>>();
        long frame = 0;
        bool inGroup = false;
        for (int i = 0; i < marbles.Length; i++)
        {
            char c = marbles[i];
            long time = offset + ((frame - origin) * frameTicks);
            switch (c)
            {
                case ' ':
                    continue;
                case '(':
                    if (inGroup)
                    {
                        throw new ArgumentException($"Nested group at position {i} in \"{marbles}\".", nameof(marbles));
                    }

                    inGroup = true;
                    continue;
                case ')':
                    if (!inGroup)
                    {
                        throw new ArgumentException($"')' without '(' at position {i} in \"{marbles}\".", nameof(marbles));
                    }

                    inGroup = false;
                    break;
                case '-' or '^' or '!':
                    break;
                case '|':
                    result.Add(new(time, Notification.CreateOnCompleted<T>()));
                    break;
                case '#':
                    result.Add(new(time, Notification.CreateOnError<T>(error ?? new MarbleException())));
                    break;
                default:
                    if (!values.TryGetValue(c, out T? value))
                    {
                        throw new ArgumentException($"'{c}' at position {i} in \"{marbles}\" has no value in the dictionary.", nameof(values));
                    }

                    result.Add(new(time, Notification.CreateOnNext(value)));
                    break;
            }

            if (!inGroup)
            {
                frame++;
            }
        }

        if (inGroup)
        {
            throw new ArgumentException($"Unclosed group in \"{marbles}\".", nameof(marbles));
        }

        return [.. result];
    }

    /// <summary>Parses a subscription diagram such as <c>"--^---!"</c> (subscribed at 20, unsubscribed at 60).</summary>
    /// <param name="marbles">The diagram; without <c>!</c> the subscription never ends.</param>
    /// <param name="frameTicks">Virtual ticks per frame.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="marbles"/> is null.</exception>
    /// <exception cref="ArgumentException">There is no <c>^</c>.</exception>
    public static Subscription ParseSubscription(string marbles, long frameTicks = DefaultFrameTicks)
    {
        ArgumentNullException.ThrowIfNull(marbles);
        string compact = marbles.Replace(" ", string.Empty, StringComparison.Ordinal);
        int subscribe = compact.IndexOf('^', StringComparison.Ordinal);
        if (subscribe < 0)
        {
            throw new ArgumentException($"A subscription diagram needs '^': \"{marbles}\".", nameof(marbles));
        }

        int unsubscribe = compact.IndexOf('!', StringComparison.Ordinal);
        return new Subscription(subscribe * frameTicks, unsubscribe < 0 ? Subscription.Infinite : unsubscribe * frameTicks);
    }

    /// <summary>
    /// How long a diagram lasts, in ticks: from its time 0 (the start, or <c>^</c>) to the end of
    /// its last frame, trailing <c>-</c> included. <c>"-a--"</c> lasts 40 ticks, <c>"a|"</c> 20.
    /// </summary>
    /// <param name="marbles">The diagram.</param>
    /// <param name="frameTicks">Virtual ticks per frame.</param>
    /// <returns>The duration in ticks (0 for an empty diagram).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="marbles"/> is null.</exception>
    public static long Duration(string marbles, long frameTicks = DefaultFrameTicks)
    {
        ArgumentNullException.ThrowIfNull(marbles);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameTicks, 1);
        return (FrameCount(marbles) - SubscriptionFrame(marbles)) * frameTicks;
    }

    /// <summary>
    /// Renders recorded notifications as a marble diagram, the reverse of <see cref="Parse{T}"/>.
    /// Values without a character in <paramref name="values"/> show as <c>?</c>; times that are not
    /// on a frame boundary make it fall back to a list.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="notifications">The recorded notifications.</param>
    /// <param name="values">What each character stands for.</param>
    /// <param name="frameTicks">Virtual ticks per frame.</param>
    /// <param name="offset">The virtual time the diagram's time 0 stands for (subtracted from every time).</param>
    /// <returns>The diagram.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static string Render<T>(IEnumerable<Recorded<Notification<T>>> notifications, IReadOnlyDictionary<char, T> values, long frameTicks = DefaultFrameTicks, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameTicks, 1);
        Recorded<Notification<T>>[] items = [.. notifications.Select(r => new Recorded<Notification<T>>(r.Time - offset, r.Value))];
        if (items.Any(r => r.Time < 0 || r.Time % frameTicks != 0))
        {
            return Timeline.ShowAll(items);
        }

        var text = new StringBuilder();
        long frame = 0;
        foreach (IGrouping<long, Recorded<Notification<T>>> group in items.GroupBy(r => r.Time / frameTicks))
        {
            text.Append('-', (int)Math.Max(0, group.Key - frame));
            string symbols = string.Concat(group.Select(r => Symbol(r.Value, values)));
            text.Append(symbols.Length > 1 ? $"({symbols})" : symbols);
            frame = group.Key + 1;
        }

        return text.ToString();
    }

    /// <summary>Checks that an observer recorded exactly what a marble diagram says; <c>#</c> matches any error unless <paramref name="error"/> is given.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="actual">The recorded notifications.</param>
    /// <param name="expected">The expected diagram.</param>
    /// <param name="values">What each character stands for.</param>
    /// <param name="error">The expected error for <c>#</c>, compared by type and message; <see langword="null"/> for any error.</param>
    /// <param name="frameTicks">Virtual ticks per frame.</param>
    /// <param name="offset">The virtual time the diagram's time 0 stands for (for example when the run started).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">The recorded stream differs; the message shows both diagrams.</exception>
    public static void AssertEqual<T>(IEnumerable<Recorded<Notification<T>>> actual, string expected, IReadOnlyDictionary<char, T> values, Exception? error = null, long frameTicks = DefaultFrameTicks, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(actual);
        Recorded<Notification<T>>[] wanted = Parse(expected, values, error, frameTicks, offset);
        Recorded<Notification<T>>[] got = [.. actual];
        bool same = wanted.Length == got.Length && wanted.Zip(got).All(p =>
            p.First.Value.Kind == NotificationKind.OnError && error is null
                ? p.Second.Value.Kind == NotificationKind.OnError && p.First.Time == p.Second.Time
                : Timeline.NotificationEquals(p.First, p.Second));
        if (!same)
        {
            throw new ReactiveAssertionException(
                $"Expected: {Render(wanted, values, frameTicks, offset)}{Environment.NewLine}" +
                $"Actual:   {Render(got, values, frameTicks, offset)}{Environment.NewLine}" +
                $"Actual notifications: {Timeline.ShowAll(got)}");
        }
    }

    /// <summary>The number of frames a diagram spans (a group is one frame; spaces and an unclosed group's end count nothing).</summary>
    private static long FrameCount(string marbles)
    {
        long frames = 0;
        bool inGroup = false;
        foreach (char c in marbles)
        {
            switch (c)
            {
                case ' ':
                    continue;
                case '(':
                    inGroup = true;
                    continue;
                case ')':
                    inGroup = false;
                    break;
            }

            if (!inGroup)
            {
                frames++;
            }
        }

        return frames;
    }

    private static long SubscriptionFrame(string marbles)
    {
        long frame = 0;
        bool inGroup = false;
        foreach (char c in marbles)
        {
            switch (c)
            {
                case ' ':
                    continue;
                case '^':
                    return frame;
                case '(':
                    inGroup = true;
                    continue;
                case ')':
                    inGroup = false;
                    break;
            }

            if (!inGroup)
            {
                frame++;
            }
        }

        return 0;
    }

    private static string Symbol<T>(Notification<T> notification, IReadOnlyDictionary<char, T> values) => notification.Kind switch
    {
        NotificationKind.OnCompleted => "|",
        NotificationKind.OnError => "#",
        _ => values.FirstOrDefault(pair => EqualityComparer<T>.Default.Equals(pair.Value, notification.Value)) is { Key: not '\0' } pair ? pair.Key.ToString() : "?",
    };
}
