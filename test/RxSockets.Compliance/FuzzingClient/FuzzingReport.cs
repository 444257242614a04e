namespace RxSockets.Compliance.FuzzingClient;

/// <summary>What a fuzzing run did; the fuzzing server's own reports judge the cases.</summary>
/// <param name="CaseCount">Cases the server announced (and the client ran).</param>
/// <param name="ClosedNormally">Cases whose connection closed with 1000, 1001 or no code.</param>
public sealed record FuzzingReport(int CaseCount, int ClosedNormally)
{
    /// <inheritdoc/>
    public override string ToString() => $"ran {CaseCount} cases; {ClosedNormally} closed normally, {CaseCount - ClosedNormally} otherwise (see the fuzzing server's report)";
}
