using System;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// One end of an in-memory duplex pipe pair: what one end writes, the other reads. Used for unit
/// tests and by RxSockets.Testing; it runs the real engine, only without sockets.
/// </summary>
internal sealed class InMemoryTransport : ITransport
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;

    private InMemoryTransport(Pipe incoming, Pipe outgoing)
    {
        _incoming = incoming;
        _outgoing = outgoing;
    }

    public PipeReader Input => _incoming.Reader;

    public PipeWriter Output => _outgoing.Writer;

    public EndPoint? LocalEndPoint => null;

    public EndPoint? RemoteEndPoint => null;

    /// <summary>Creates two connected ends.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in one direction before the writer waits (a bounded "socket buffer").</param>
    public static (InMemoryTransport A, InMemoryTransport B) CreatePair(long pauseWriterThreshold = 64 * 1024)
    {
        var options = new PipeOptions(pauseWriterThreshold: pauseWriterThreshold, resumeWriterThreshold: pauseWriterThreshold / 2, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new InMemoryTransport(bToA, aToB), new InMemoryTransport(aToB, bToA));
    }

    public ValueTask CloseOutputAsync() => _outgoing.Writer.CompleteAsync();

    public void Abort()
    {
        var error = new ObjectDisposedException(nameof(InMemoryTransport), "The in-memory transport was aborted.");
        _outgoing.Writer.Complete();
        _incoming.Writer.Complete(error);
        _outgoing.Reader.Complete();
        _incoming.Reader.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        await _outgoing.Writer.CompleteAsync().ConfigureAwait(false);
        await _incoming.Reader.CompleteAsync().ConfigureAwait(false);
    }
}
