using System;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A byte stream a WebSocket connection runs over: a TCP socket, a TLS stream, any duplex stream or
/// pipe, an in-memory pipe. The connection reads <see cref="Input"/> from its read loop and writes
/// <see cref="Output"/> from one writer at a time. What a transport can do beyond that is stated
/// here (<see cref="FlushHandsOff"/>, <see cref="SendsDirect"/>), never found out by its type.
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

    /// <summary>
    /// Whether flushing <see cref="Output"/> only hands the bytes to the transport's own send loop
    /// and waits once a bounded amount is unsent. Then a sender may write its frame on its own
    /// thread: a caller that sends in a loop still yields its thread once the peer falls behind.
    /// Over a stream, a flush is a synchronous write that the kernel's buffer would let such a loop
    /// repeat for megabytes without yielding, so senders hand their frames to the connection instead.
    /// </summary>
    bool FlushHandsOff { get; }

    /// <summary>Whether <see cref="SendNow"/> can send (a socket transport); otherwise it always returns 0.</summary>
    bool SendsNow { get; }

    /// <summary>
    /// Sends <paramref name="bytes"/> from the caller's thread without waiting, when everything
    /// flushed to <see cref="Output"/> before has already gone out: a writer with one small frame
    /// saves the hand-off of a flush. The caller holds the output (no other writer meanwhile) and
    /// writes whatever was not taken to <see cref="Output"/> next.
    /// </summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>How many bytes were sent: 0 when something flushed is still unsent, the kernel has no room, or the transport cannot.</returns>
    int SendNow(ReadOnlySpan<byte> bytes);

    /// <summary>Whether <see cref="SendDirectAsync"/> is supported.</summary>
    bool SendsDirect { get; }

    /// <summary>
    /// Sends <paramref name="payload"/> straight from the caller's memory, after every byte flushed
    /// to <see cref="Output"/> before this call: a large payload without a copy into the output.
    /// The caller keeps every other writer out, and the memory unchanged, until the task completes.
    /// </summary>
    /// <param name="payload">The bytes to send.</param>
    /// <returns>A task that completes once the transport has taken every byte; it faults if the transport fails first.</returns>
    /// <exception cref="NotSupportedException"><see cref="SendsDirect"/> is false.</exception>
    Task SendDirectAsync(ReadOnlyMemory<byte> payload);

    /// <summary>
    /// Half-closes: no more bytes will be written (TCP FIN); reading may go on. A transport that
    /// cannot half-close (a stream without a socket) ends reading instead, so the connection
    /// finishes and releases it.
    /// </summary>
    /// <returns>A task that completes once the output is shut down.</returns>
    ValueTask CloseOutputAsync();

    /// <summary>Closes both directions at once, without waiting for anything (TCP RST where possible).</summary>
    void Abort();
}
