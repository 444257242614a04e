using System;
using System.IO.Pipelines;

namespace RxSockets.Testing;

/// <summary>
/// One end of an in-memory duplex byte stream, built on System.IO.Pipelines: the owner reads
/// <see cref="Input"/> and writes <see cref="Output"/>. Hand it to
/// <see cref="WebSocketConnection.CreateFromPipe"/> (after a handshake, or with none) or to
/// <see cref="WebSocketServer.RunAcceptedAsync(IDuplexPipe, System.Net.EndPoint?, System.Net.EndPoint?, System.Threading.CancellationToken)"/>
/// (before one) to run the real engine without sockets.
/// </summary>
/// <remarks>
/// <para>
/// Each direction is bounded: a writer waits once <c>pauseWriterThreshold</c> bytes are unread,
/// as a sender does when the peer's socket buffer is full. Completing <see cref="Output"/> is the
/// end of the stream the other end reads (a TCP FIN).
/// </para>
/// <para>Thread safety: as for any <see cref="Pipe"/>, one reader and one writer at a time per direction.</para>
/// </remarks>
public sealed class InMemoryDuplexPipe : IDuplexPipe
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;

    private InMemoryDuplexPipe(Pipe incoming, Pipe outgoing)
    {
        _incoming = incoming;
        _outgoing = outgoing;
    }

    /// <summary>The bytes the other end wrote.</summary>
    public PipeReader Input => _incoming.Reader;

    /// <summary>Where this end writes the bytes the other end reads.</summary>
    public PipeWriter Output => _outgoing.Writer;

    /// <summary>Where a link between two ends writes the bytes this end reads.</summary>
    internal PipeWriter PeerOutput => _incoming.Writer;

    /// <summary>Where a link between two ends reads the bytes this end writes.</summary>
    internal PipeReader PeerInput => _outgoing.Reader;

    /// <summary>Creates two ends joined directly: what one writes, the other reads.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in one direction before its writer waits (a bounded "socket buffer"); the writer resumes below half of it. 0 never waits.</param>
    /// <param name="inline">
    /// Run pipe continuations on the thread that writes or reads, instead of the thread pool: with
    /// <see cref="InlineExecution"/> and a virtual clock, an exchange completes within the call
    /// that started it. <see langword="false"/> (the default) behaves like a socket pair.
    /// </param>
    /// <returns>The two ends.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pauseWriterThreshold"/> is negative.</exception>
    public static (InMemoryDuplexPipe A, InMemoryDuplexPipe B) CreatePair(long pauseWriterThreshold = 64 * 1024, bool inline = false)
    {
        PipeOptions options = Options(pauseWriterThreshold, inline);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new InMemoryDuplexPipe(bToA, aToB), new InMemoryDuplexPipe(aToB, bToA));
    }

    /// <summary>Creates one end with pipes of its own, to be joined to another end by a link that moves the bytes.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in each pipe before its writer waits.</param>
    /// <param name="inline">Run pipe continuations inline.</param>
    /// <returns>The end.</returns>
    internal static InMemoryDuplexPipe CreateEnd(long pauseWriterThreshold, bool inline)
    {
        PipeOptions options = Options(pauseWriterThreshold, inline);
        return new InMemoryDuplexPipe(new Pipe(options), new Pipe(options));
    }

    /// <summary>
    /// Stops this end's pending read and flush at once, for an end no connection owns yet (a
    /// handshake in progress); a connection aborts the pipe it owns itself.
    /// </summary>
    internal void Abort()
    {
        _outgoing.Writer.CancelPendingFlush();
        _incoming.Reader.CancelPendingRead();
    }

    private static PipeOptions Options(long pauseWriterThreshold, bool inline) => new(
        pauseWriterThreshold: pauseWriterThreshold,
        resumeWriterThreshold: pauseWriterThreshold / 2,
        readerScheduler: inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
        writerScheduler: inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
        useSynchronizationContext: false);
}
