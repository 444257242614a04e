using System;
using System.Collections.Generic;
using System.Linq;

namespace RxSockets;

/// <summary>
/// The delays between reconnection attempts. The default is python websockets' curve: a random
/// delay between 0 and <see cref="InitialDelay"/> (5 s) before the first attempt, so clients dropped
/// together by a server restart do not all come back at the same instant (RFC 6455 §7.2.3), then
/// <see cref="MinDelay"/> (3.1 s) growing by <see cref="Factor"/> (1.618) up to
/// <see cref="MaxDelay"/> (90 s), then <see cref="MaxDelay"/> for ever: 0–5, 3.1, 5.0, 8.1, 13.1,
/// 21.2, 34.4, 55.6, 90, 90… seconds. <see cref="Fixed"/> gives a fixed list instead (SignalR's
/// 0, 2, 10, 30 s), after which reconnecting stops.
/// </summary>
/// <remarks>Immutable and thread-safe; <see cref="Delays"/> starts a new sequence each time.</remarks>
public sealed class Backoff
{
    private readonly TimeSpan[]? _fixed;

    /// <summary>Creates python websockets' curve; adjust it with <c>with</c>-style initializers.</summary>
    public Backoff()
    {
    }

    private Backoff(TimeSpan[] delays)
    {
        _fixed = delays;
    }

    /// <summary>python websockets' curve: 0–5 s, then 3.1 s × 1.618ⁿ up to 90 s.</summary>
    public static Backoff Default { get; } = new();

    /// <summary>The first delay is random between zero and this. Default 5 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The second delay; each later one is <see cref="Factor"/> times the one before. Default 3.1 s.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromSeconds(3.1);

    /// <summary>How much each delay grows. Default 1.618 (the golden ratio).</summary>
    public double Factor { get; init; } = 1.618;

    /// <summary>The longest delay; once reached, every later delay is this. Default 90 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Randomizes every delay after the first by up to this fraction either way (0.2: ±20 %).
    /// Default 0, python websockets' curve: the random first delay already spreads clients apart, and
    /// a deterministic curve keeps them apart.
    /// </summary>
    public double Jitter { get; init; }

    /// <summary>A fixed list of delays; after the last one, reconnecting stops (the last error ends the stream).</summary>
    /// <param name="delays">The delays before the first, second, … attempt.</param>
    /// <returns>The backoff.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="delays"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A delay is negative.</exception>
    public static Backoff Fixed(params TimeSpan[] delays)
    {
        ArgumentNullException.ThrowIfNull(delays);
        if (delays.Any(d => d < TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(delays), "Delays may not be negative.");
        }

        return new Backoff([.. delays]);
    }

    /// <summary>The delays before the first, second, … attempt after a connection was lost or failed.</summary>
    /// <param name="random">The source of randomness; <see langword="null"/> for <see cref="Random.Shared"/>.</param>
    /// <returns>The delays: endless for a curve, finite for <see cref="Fixed"/>.</returns>
    public IEnumerable<TimeSpan> Delays(Random? random = null)
    {
        Validate();
        random ??= Random.Shared;
        if (_fixed is not null)
        {
            foreach (TimeSpan step in _fixed)
            {
                yield return step;
            }

            yield break;
        }

        yield return InitialDelay * random.NextDouble();
        double delay = MinDelay.TotalSeconds;
        double max = MaxDelay.TotalSeconds;
        while (true)
        {
            double seconds = Math.Min(delay, max);
            if (Jitter > 0)
            {
                seconds *= 1 + (Jitter * ((2 * random.NextDouble()) - 1));
            }

            yield return TimeSpan.FromSeconds(seconds);
            if (delay < max)
            {
                delay *= Factor;
            }
        }
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (_fixed is not null)
        {
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(InitialDelay, TimeSpan.Zero, nameof(InitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MinDelay, TimeSpan.Zero, nameof(MinDelay)); // zero would never grow: a tight loop
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, MinDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(Factor, 1.0, nameof(Factor));
        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter is a fraction between 0 and 1.");
        }
    }
}
