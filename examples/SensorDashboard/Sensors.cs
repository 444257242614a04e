using System;
using System.Linq;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text.Json.Serialization;

namespace SensorDashboard;

/// <summary>One reading of a sensor: its id, its value, and when it was taken (Unix milliseconds).</summary>
/// <param name="Sensor">The sensor's id ("s1", "s2", …): the topic's key.</param>
/// <param name="Value">The reading.</param>
/// <param name="At">When it was taken, in milliseconds since 1970 (the scheduler's clock).</param>
public sealed record Reading(string Sensor, double Value, long At);

/// <summary>Source-generated JSON for readings: no reflection, so the feed stays trimming and AOT friendly.</summary>
[JsonSerializable(typeof(Reading))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class SensorJson : JsonSerializerContext;

/// <summary>Simulated sensors: each one a random walk on <see cref="Observable.Interval(TimeSpan, IScheduler)"/>.</summary>
public static class Sensors
{
    /// <summary>
    /// <paramref name="count"/> sensors, each reading every <paramref name="period"/> a value that
    /// moves by at most ±<paramref name="step"/>/2 from the last, merged into one stream. Cold: each
    /// subscription starts the walks again from the same seeds (the hub subscribes once).
    /// </summary>
    /// <param name="count">How many sensors.</param>
    /// <param name="period">How often each one reads.</param>
    /// <param name="scheduler">Where the timers run and the time is read.</param>
    /// <param name="step">The largest change between two readings.</param>
    /// <param name="seed">Makes the walks repeatable.</param>
    /// <returns>The readings of all sensors.</returns>
    public static IObservable<Reading> Simulate(int count, TimeSpan period, IScheduler scheduler, double step = 1.0, int seed = 42) =>
        Enumerable.Range(1, count).Select(i => Walk($"s{i}", 15 + (3 * i), period, scheduler, step, seed + i)).Merge();

    private static IObservable<Reading> Walk(string sensor, double start, TimeSpan period, IScheduler scheduler, double step, int seed) =>
        Observable.Defer(() =>
        {
            var random = new Random(seed);
            return Observable.Interval(period, scheduler)
                .Scan(start, (value, _) => Math.Round(value + ((random.NextDouble() - 0.5) * step), 2))
                .Select(value => new Reading(sensor, value, scheduler.Now.ToUnixTimeMilliseconds()));
        });
}
