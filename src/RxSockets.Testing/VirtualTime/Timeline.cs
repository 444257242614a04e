using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reactive;
using System.Text;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// Compares recorded notifications and subscriptions and describes a difference as two timelines,
/// one item per line, the first differing item marked with <c>&gt;</c>.
/// </summary>
internal static class Timeline
{
    /// <summary>Throws when the recorded notifications differ; errors compare by type and message.</summary>
    public static void AssertEqual<T>(IEnumerable<Recorded<Notification<T>>> expected, IEnumerable<Recorded<Notification<T>>> actual)
    {
        Recorded<Notification<T>>[] e = [.. expected];
        Recorded<Notification<T>>[] a = [.. actual];
        int mismatch = FirstMismatch(e, a, NotificationEquals);
        if (mismatch >= 0)
        {
            throw new ReactiveAssertionException(Describe(e, a, mismatch, r => string.Create(CultureInfo.InvariantCulture, $"{r.Time,8}  {Show(r.Value)}")));
        }
    }

    /// <summary>Throws when the recorded subscriptions differ.</summary>
    public static void AssertEqual(IEnumerable<Subscription> expected, IEnumerable<Subscription> actual)
    {
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
    public static bool NotificationEquals<T>(Recorded<Notification<T>> x, Recorded<Notification<T>> y)
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

    /// <summary>One notification as text: <c>OnNext(value)</c>, <c>OnError(Type: message)</c>, <c>OnCompleted()</c>.</summary>
    public static string Show<T>(Notification<T> notification) => notification.Kind switch
    {
        NotificationKind.OnNext => $"OnNext({notification.Value})",
        NotificationKind.OnError => $"OnError({notification.Exception!.GetType().Name}: {notification.Exception.Message})",
        _ => "OnCompleted()",
    };

    /// <summary>Notifications as one line: <c>OnNext(a)@10, OnCompleted()@20</c>.</summary>
    public static string ShowAll<T>(IEnumerable<Recorded<Notification<T>>> items) =>
        string.Join(", ", items.Select(r => string.Create(CultureInfo.InvariantCulture, $"{Show(r.Value)}@{r.Time}")));

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
        text.AppendLine(CultureInfo.InvariantCulture, $"Recorded stream differs at item {mismatch}.");
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
