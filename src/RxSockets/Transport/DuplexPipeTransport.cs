using System;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A transport over a caller's <see cref="IDuplexPipe"/> that already carries WebSocket frames
/// (a connection upgraded by a host such as Kestrel, or a custom transport): the connection reads
/// <see cref="IDuplexPipe.Input"/> and writes <see cref="IDuplexPipe.Output"/>, and completes both
/// when it is done with them.
/// </summary>
internal sealed class DuplexPipeTransport : ITransport
{
    private readonly IDuplexPipe _pipe;
    private volatile bool _aborted;
    private int _disposed;

    public DuplexPipeTransport(IDuplexPipe pipe, EndPoint? localEndPoint, EndPoint? remoteEndPoint, bool flushHandsOff)
    {
        _pipe = pipe;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        FlushHandsOff = flushHandsOff;
    }

    public PipeReader Input => _pipe.Input;

    public PipeWriter Output => _pipe.Output;

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Known only to whoever made the pipe: a host whose flush hands bytes to its own bounded send loop says so.</summary>
    public bool FlushHandsOff { get; }

    public bool SendsNow => false;

    /// <summary>Over a pipe everything goes through <see cref="Output"/>.</summary>
    public int SendNow(ReadOnlySpan<byte> bytes) => 0;

    public bool SendsDirect => false;

    public Task SendDirectAsync(ReadOnlyMemory<byte> payload) => throw new NotSupportedException("A pipe transport sends only what is flushed to its output.");

    /// <summary>Completes the output: the other end reads the end of the stream.</summary>
    public ValueTask CloseOutputAsync() => Output.CompleteAsync();

    /// <summary>
    /// Stops both directions at once: only what is safe while the connection's loops use the pipe
    /// (their pending read and flush end); the pipe is completed, with an error, by <see cref="DisposeAsync"/>.
    /// </summary>
    public void Abort()
    {
        _aborted = true;
        Output.CancelPendingFlush();
        Input.CancelPendingRead();
    }

    public async ValueTask DisposeAsync()
    {
        if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Exception? error = _aborted ? new ConnectionAbortedException("The WebSocket connection was aborted.") : null;
        await Output.CompleteAsync(error).ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>What the other end of an aborted pipe reads.</summary>
    private sealed class ConnectionAbortedException(string message) : Exception(message);
}
