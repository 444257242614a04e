using System;

namespace RxSockets.Tests;

/// <summary>A "random" source that always returns the same value, for exact schedules.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;

    protected override double Sample() => value;
}
