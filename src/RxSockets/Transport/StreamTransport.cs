using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A transport over a duplex <see cref="Stream"/>: a <see cref="NetworkStream"/> over a TCP socket
/// (its socket is then used for half-close and abort) or any other stream, such as an
/// <c>SslStream</c>.
/// </summary>
/// <remarks>Input is read by one loop and output written by another; the pipes serialize nothing else.</remarks>
internal sealed class StreamTransport : ITransport
{
    private readonly Stream _stream;
    private readonly Socket? _socket;
    private int _disposed;

    /// <param name="stream">The stream; disposed with the transport.</param>
    /// <param name="socket">The socket under it, for half-close and abort; found under a <see cref="NetworkStream"/> when not given.</param>
    /// <param name="localEndPoint">The local address to report instead of the socket's.</param>
    /// <param name="remoteEndPoint">The peer's address to report instead of the socket's.</param>
    public StreamTransport(Stream stream, Socket? socket = null, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null)
    {
        _stream = stream;
        _socket = socket ?? (stream as NetworkStream)?.Socket; // half-close and abort reach the socket under a network stream
        // Zero-byte reads: while no bytes are buffered, the reader first waits with an empty read
        // and rents its 16 KiB buffer only once bytes have come, and a fully consumed buffer goes
        // back to the pool; so an idle connection holds no read buffer. Inside Kestrel that is
        // 16.4 KiB of RSS per idle connection instead of 30.6 (docs/performance.md). NetworkStream,
        // SslStream and Kestrel's upgraded stream wait for data on an empty read; a stream that
        // returns at once only costs the extra call.
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        LocalEndPoint = localEndPoint ?? _socket?.LocalEndPoint;
        RemoteEndPoint = remoteEndPoint ?? _socket?.RemoteEndPoint;
    }

    /// <summary>Creates a transport over a connected TCP socket, which it then owns.</summary>
    public static StreamTransport FromSocket(Socket socket)
    {
        socket.NoDelay = true;
        return new StreamTransport(new NetworkStream(socket, ownsSocket: true), socket);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>A flush is a synchronous write into the stream: senders hand their frames to the connection.</summary>
    public bool FlushHandsOff => false;

    public bool SendsNow => false;

    /// <summary>Over a stream everything goes through <see cref="Output"/>.</summary>
    public int SendNow(ReadOnlySpan<byte> bytes) => 0;

    public bool SendsDirect => false;

    public Task SendDirectAsync(ReadOnlyMemory<byte> payload) => throw new NotSupportedException("A stream transport sends only what is flushed to its output.");

    /// <summary>
    /// Half-closes the socket under the stream. A stream without a socket (an HTTP host's upgraded
    /// stream) cannot half-close, and its owner closes the connection only once the stream is given
    /// back: reading stops instead (this is only asked once both close frames were exchanged, when
    /// nothing more may come, RFC 6455 §7.1.1), so the connection finishes and disposes the stream
    /// without waiting for an end of stream that the peer would only send after ours.
    /// </summary>
    public ValueTask CloseOutputAsync()
    {
        if (_socket is null)
        {
            Input.CancelPendingRead();
            return ValueTask.CompletedTask;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by us: nothing left to shut down.
        }

        return ValueTask.CompletedTask;
    }

    public void Abort()
    {
        try
        {
            _socket?.Close(0); // linger 0: RST, so a dead peer cannot hold the port in FIN_WAIT
        }
        catch (ObjectDisposedException)
        {
        }

        _stream.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
