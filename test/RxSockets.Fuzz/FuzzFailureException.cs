using System;

namespace RxSockets.Fuzz;

/// <summary>A fuzz target found an input the engine mishandled; the message carries the seed to replay it.</summary>
public sealed class FuzzFailureException : Exception
{
    public FuzzFailureException(string target, int seed, string problem, Exception? inner = null)
        : base($"{target} seed {seed}: {problem}", inner)
    {
        Target = target;
        Seed = seed;
    }

    public string Target { get; }

    public int Seed { get; }
}
