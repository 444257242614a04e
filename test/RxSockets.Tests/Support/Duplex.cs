using System.IO.Pipelines;

namespace RxSockets.Tests;

/// <summary>A reader and a writer of the test's choosing as one duplex pipe (for a connection or a handshake helper).</summary>
internal sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
