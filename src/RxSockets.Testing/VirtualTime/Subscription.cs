using System;

namespace RxSockets.Testing;

/// <summary>When a test observable was subscribed to and unsubscribed from, in virtual ticks.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct Subscription
{
    /// <summary>The end time of a subscription that was never disposed.</summary>
    public const long Infinite = long.MaxValue;

    /// <summary>Creates a subscription record.</summary>
    /// <param name="subscribe">When it started.</param>
    /// <param name="unsubscribe">When it ended, or <see cref="Infinite"/>.</param>
    public Subscription(long subscribe, long unsubscribe = Infinite)
    {
        Subscribe = subscribe;
        Unsubscribe = unsubscribe;
    }

    /// <summary>When it started.</summary>
    public long Subscribe { get; }

    /// <summary>When it ended, or <see cref="Infinite"/>.</summary>
    public long Unsubscribe { get; }

    /// <inheritdoc/>
    public override string ToString() => Unsubscribe == Infinite ? $"({Subscribe}, ∞)" : $"({Subscribe}, {Unsubscribe})";
}
