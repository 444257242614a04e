using System;
using System.Collections.Generic;

namespace RxSockets.Testing;

/// <summary>A value stamped with the virtual time at which it happened.</summary>
/// <typeparam name="T">The value, usually a <see cref="System.Reactive.Notification{T}"/>.</typeparam>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly struct Recorded<T> : IEquatable<Recorded<T>>
{
    /// <summary>Creates a recorded value.</summary>
    /// <param name="time">The virtual time, in ticks.</param>
    /// <param name="value">The value.</param>
    public Recorded(long time, T value)
    {
        Time = time;
        Value = value;
    }

    /// <summary>The virtual time, in ticks.</summary>
    public long Time { get; }

    /// <summary>The value.</summary>
    public T Value { get; }

    /// <summary>Compares time and value.</summary>
    /// <param name="left">A recorded value.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether both are equal.</returns>
    public static bool operator ==(Recorded<T> left, Recorded<T> right) => left.Equals(right);

    /// <summary>Compares time and value.</summary>
    /// <param name="left">A recorded value.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(Recorded<T> left, Recorded<T> right) => !left.Equals(right);

    /// <summary>Compares time and value.</summary>
    /// <param name="other">Another recorded value.</param>
    /// <returns>Whether both are equal.</returns>
    public bool Equals(Recorded<T> other) => Time == other.Time && EqualityComparer<T>.Default.Equals(Value, other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Recorded<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Time, Value);

    /// <inheritdoc/>
    public override string ToString() => $"{Value}@{Time}";
}
