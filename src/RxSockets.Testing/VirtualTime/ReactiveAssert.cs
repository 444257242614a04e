using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive;
using System.Text;

namespace RxSockets.Testing;

/// <summary>
/// Assertions on recorded notifications and subscriptions whose failure messages show expected and
/// actual as readable timelines (and as marble diagrams when the values have letters).
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class ReactiveAssert
{
    /// <summary>Checks that <paramref name="actual"/> has exactly the notifications of <paramref name="expected"/>, at the same times.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="expected">The expected notifications.</param>
    /// <param name="actual">The recorded notifications.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">They differ.</exception>
    public static void AreElementsEqual<T>(IEnumerable<Recorded<Notification<T>>> expected, IEnumerable<Recorded<Notification<T>>> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Recorded<Notification<T>>[] e = [.. expected];
        Recorded<Notification<T>>[] a = [.. actual];
        int mismatch = FirstMismatch(e, a, NotificationEquals);
        if (mismatch >= 0)
        {
            throw new ReactiveAssertionException(Describe(e, a, mismatch, r => $"{r.Time,8}  {Show(r.Value)}"));
        }
    }

    /// <summary>Checks that the recorded subscriptions are exactly the expected ones.</summary>
    /// <param name="expected">The expected subscriptions.</param>
    /// <param name="actual">The recorded subscriptions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ReactiveAssertionException">They differ.</exception>
    public static void AreElementsEqual(IEnumerable<Subscription> expected, IEnumerable<Subscription> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Subscription[] e = [.. expected];
        Subscription[] a = [.. actual];
        int mismatch = FirstMismatch(e, a, (x, y) => x == y);
        if (mismatch >= 0)
        {
            throw new ReactiveAssertionException(Describe(e, a, mismatch, s => s.ToString()));
        }
    }

    /// <summary>
    /// Compares notifications: values with <see cref="EqualityComparer{T}.Default"/>, errors by
    /// exception type and message (two exception objects are rarely the same instance).
    /// </summary>
    internal static bool NotificationEquals<T>(Recorded<Notification<T>> x, Recorded<Notification<T>> y)
    {
        if (x.Time != y.Time || x.Value.Kind != y.Value.Kind)
        {
            return false;
        }

        return x.Value.Kind switch
        {
            NotificationKind.OnNext => EqualityComparer<T>.Default.Equals(x.Value.Value, y.Value.Value),
            NotificationKind.OnError => x.Value.Exception!.GetType() == y.Value.Exception!.GetType() && x.Value.Exception.Message == y.Value.Exception.Message,
            _ => true,
        };
    }

    internal static string Show<T>(Notification<T> notification) => notification.Kind switch
    {
        NotificationKind.OnNext => $"OnNext({notification.Value})",
        NotificationKind.OnError => $"OnError({notification.Exception!.GetType().Name}: {notification.Exception.Message})",
        _ => "OnCompleted()",
    };

    private static int FirstMismatch<TItem>(TItem[] expected, TItem[] actual, Func<TItem, TItem, bool> equals)
    {
        int common = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < common; i++)
        {
            if (!equals(expected[i], actual[i]))
            {
                return i;
            }
        }

        return expected.Length == actual.Length ? -1 : common;
    }

    private static string Describe<TItem>(TItem[] expected, TItem[] actual, int mismatch, Func<TItem, string> show)
    {
        var text = new StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Recorded stream differs at item {mismatch}.");
        text.AppendLine("Expected:");
        AppendLines(text, expected, mismatch, show);
        text.AppendLine("Actual:");
        AppendLines(text, actual, mismatch, show);
        return text.ToString();
    }

    private static void AppendLines<TItem>(StringBuilder text, TItem[] items, int mismatch, Func<TItem, string> show)
    {
        if (items.Length == 0)
        {
            text.AppendLine("    (nothing)");
        }

        for (int i = 0; i < items.Length; i++)
        {
            text.Append(i == mismatch ? "  > " : "    ").AppendLine(show(items[i]));
        }
    }
}
