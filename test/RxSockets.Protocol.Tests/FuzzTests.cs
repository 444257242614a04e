using System.Collections.Generic;
using NUnit.Framework;
using RxSockets.Fuzz;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// A bounded run of the fuzz targets in test/RxSockets.Fuzz on every CI run (fixed seeds, so a
/// failure replays). A target throws <see cref="FuzzFailureException"/> on any mishandled input;
/// the outcome counts check that the inputs reach both the happy and the failing paths.
/// Millions of iterations: see docs/security.md.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class FuzzTests
{
    private const int Iterations = 5_000;

    [Test]
    public void Frames_RandomAndMutatedStreams_NeverBreakTheEngine()
    {
        int delivered = 0;
        int failed = 0;
        for (int seed = 0; seed < Iterations; seed++)
        {
            (int messages, bool fail) = FrameFuzzer.Run(seed);
            delivered += messages;
            failed += fail ? 1 : 0;
        }

        Assert.That(delivered, Is.GreaterThan(Iterations / 4), "mutated streams still deliver messages");
        Assert.That(failed, Is.GreaterThan(Iterations / 4), "and often break the protocol");
    }

    [Test]
    public void Deflate_MutatedCompressedStreamsAndBombs_NeverBreakTheInflater()
    {
        int delivered = 0;
        int failed = 0;
        for (int seed = 0; seed < Iterations / 4; seed++)
        {
            (int messages, bool fail) = FrameFuzzer.Run(seed, deflate: true);
            delivered += messages;
            failed += fail ? 1 : 0;
        }

        Assert.That(delivered, Is.GreaterThan(Iterations / 20), "compressed messages still get through");
        Assert.That(failed, Is.GreaterThan(Iterations / 16), "corrupt data and bombs are refused");
    }

    [Test]
    public void Handshake_RandomAndMutatedHeads_NeverBreakTheParsers()
    {
        var outcomes = new Dictionary<HttpParseResult, int>();
        for (int seed = 0; seed < Iterations; seed++)
        {
            HttpParseResult result = HandshakeFuzzer.Run(seed);
            outcomes[result] = outcomes.GetValueOrDefault(result) + 1;
        }

        Assert.That(outcomes.GetValueOrDefault(HttpParseResult.Done), Is.GreaterThan(Iterations / 10));
        Assert.That(outcomes.GetValueOrDefault(HttpParseResult.Error), Is.GreaterThan(Iterations / 10));
    }
}
