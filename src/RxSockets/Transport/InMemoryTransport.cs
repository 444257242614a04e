using System;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// One end of an in-memory duplex connection: the connection reads <see cref="Input"/> and writes
/// <see cref="Output"/>; the other side of each pipe (<see cref="PeerOutput"/>,
/// <see cref="PeerInput"/>) belongs to the peer or to a link between the two ends. Used for unit
/// tests and by RxSockets.Testing; it runs the real engine, only without sockets.
/// </summary>
internal sealed class InMemoryTransport : ITransport
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;

    /// <summary>Set by <see cref="Abort"/>.</summary>
    private volatile bool _aborted;

    private InMemoryTransport(Pipe incoming, Pipe outgoing)
    {
        _incoming = incoming;
        _outgoing = outgoing;
    }

    public PipeReader Input => _incoming.Reader;

    public PipeWriter Output => _outgoing.Writer;

    /// <summary>Where the peer (or a link) writes the bytes this end reads.</summary>
    public PipeWriter PeerOutput => _incoming.Writer;

    /// <summary>Where the peer (or a link) reads the bytes this end writes.</summary>
    public PipeReader PeerInput => _outgoing.Reader;

    public EndPoint? LocalEndPoint => null;

    public EndPoint? RemoteEndPoint => null;

    /// <summary>Creates two ends joined directly: what one writes, the other reads.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in one direction before the writer waits (a bounded "socket buffer").</param>
    /// <param name="inline">Run pipe continuations inline on the writing or reading thread (deterministic tests).</param>
    public static (InMemoryTransport A, InMemoryTransport B) CreatePair(long pauseWriterThreshold = 64 * 1024, bool inline = false)
    {
        PipeOptions options = Options(pauseWriterThreshold, inline);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new InMemoryTransport(bToA, aToB), new InMemoryTransport(aToB, bToA));
    }

    /// <summary>Creates one end with pipes of its own, to be joined to another end by a link.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in each pipe before its writer waits.</param>
    /// <param name="inline">Run pipe continuations inline (deterministic tests).</param>
    public static InMemoryTransport CreateEnd(long pauseWriterThreshold = 64 * 1024, bool inline = false)
    {
        PipeOptions options = Options(pauseWriterThreshold, inline);
        return new InMemoryTransport(new Pipe(options), new Pipe(options));
    }

    /// <summary>Senders hand their frames to the connection, as over a stream: tests see one write path whatever the scheduling.</summary>
    public bool FlushHandsOff => false;

    public bool SendsNow => false;

    /// <summary>Over an in-memory pipe everything goes through <see cref="Output"/>.</summary>
    public int SendNow(ReadOnlySpan<byte> bytes) => 0;

    public bool SendsDirect => false;

    public Task SendDirectAsync(ReadOnlyMemory<byte> payload) => throw new NotSupportedException("An in-memory transport sends only what is flushed to its output.");

    public ValueTask CloseOutputAsync() => _outgoing.Writer.CompleteAsync();

    /// <summary>
    /// Stops both directions at once: only what is safe while the connection's own loops use the
    /// pipes (their pending read and flush end at once); the pipes are completed by
    /// <see cref="DisposeAsync"/>, after the loops stopped, and the peer then reads an error, as
    /// after a TCP reset.
    /// </summary>
    public void Abort()
    {
        _aborted = true;
        _outgoing.Writer.CancelPendingFlush();
        _incoming.Reader.CancelPendingRead();
    }

    public async ValueTask DisposeAsync()
    {
        Exception? error = _aborted ? new ObjectDisposedException(nameof(InMemoryTransport), "The in-memory transport was aborted.") : null;
        await _outgoing.Writer.CompleteAsync(error).ConfigureAwait(false);
        await _incoming.Reader.CompleteAsync().ConfigureAwait(false);
    }

    private static PipeOptions Options(long pauseWriterThreshold, bool inline) => new(
        pauseWriterThreshold: pauseWriterThreshold,
        resumeWriterThreshold: pauseWriterThreshold / 2,
        readerScheduler: inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
        writerScheduler: inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
        useSynchronizationContext: false);
}
