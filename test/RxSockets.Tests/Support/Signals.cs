using System;
using System.Threading.Tasks;

namespace RxSockets.Tests;

/// <summary>Bounded waits on explicit signals: a generous limit so a bug fails the test instead of hanging it.</summary>
internal static class Signals
{
    /// <summary>How long a test waits for a signal that must come; never a timing assumption.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static Task Within(this Task task) => task.WaitAsync(Limit);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Limit);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Limit);

    public static Task<T> Within<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Limit);
}
