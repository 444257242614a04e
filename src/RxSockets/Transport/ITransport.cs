using System;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A byte stream a WebSocket connection runs over: a TCP socket, a TLS stream or an in-memory pipe.
/// The connection reads <see cref="Input"/> from one loop and writes <see cref="Output"/> from another.
/// </summary>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>Incoming bytes.</summary>
    PipeReader Input { get; }

    /// <summary>Outgoing bytes.</summary>
    PipeWriter Output { get; }

    /// <summary>The local address, when there is one.</summary>
    EndPoint? LocalEndPoint { get; }

    /// <summary>The peer's address, when there is one.</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>Half-closes: no more bytes will be written (TCP FIN); reading may go on.</summary>
    /// <returns>A task that completes once the output is shut down.</returns>
    ValueTask CloseOutputAsync();

    /// <summary>Closes both directions at once, without waiting for anything (TCP RST where possible).</summary>
    void Abort();
}
