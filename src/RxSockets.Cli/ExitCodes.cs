namespace RxSockets.Cli;

/// <summary>
/// The tool's exit codes, the same for every command so scripts can tell how a run ended
/// (docs/cli.md lists them).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The connection closed normally (1000, 1001 or no code, both ways), the server stopped, or the benchmark saw no error.</summary>
    public const int Success = 0;

    /// <summary>Could not connect (network, TLS, an HTTP answer other than 101), or the benchmark saw errors.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>The connection closed with another code (a protocol error, 1011, an application code), or without a close frame (1006).</summary>
    public const int ClosedAbnormally = 3;
}
