using System;
using System.IO.Pipelines;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Zero-copy sends of large binary payloads by a server (issue 7). A server's frames are not
/// masked, so a binary payload goes on the wire exactly as the message holds it: instead of
/// copying it into the transport's output pipe, the writer (an inline <c>SendAsync</c> or the
/// write loop, holding the write gate) writes and flushes only the frame header, and the socket
/// transport sends the payload straight from the message's memory once the header is out. One
/// user-space copy of every large outgoing message less, and no megabyte of pipe segments.
/// </summary>
/// <remarks>
/// Taken only over <see cref="SocketTransport"/>, on the server side, for binary messages of at
/// least <see cref="DirectSendThreshold"/> bytes that are not compressed. Nothing may be written
/// between the header and the payload: the writer holds the write gate until the payload is sent
/// and writes nothing else after the header in the same turn (the engine's pending pongs or close
/// echoes wait for the next turn, which the read loop's flush request starts).
/// </remarks>
public sealed partial class WebSocketConnection
{
    /// <summary>
    /// Binary messages at least this large are sent from their own memory. Below it, copying into
    /// the pipe costs less than the extra hand-off, and small frames batch with their neighbours.
    /// </summary>
    internal const int DirectSendThreshold = 64 * 1024;

    /// <summary>
    /// Writes only the frame header when <paramref name="message"/> qualifies for a direct send,
    /// and returns its payload to send after the flush. Called under the engine lock by the write gate's holder.
    /// </summary>
    /// <returns>Whether the header was written (and the payload must follow).</returns>
    private bool TryWriteDirectHeader(Message message, PipeWriter output, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        if (_transport is not SocketTransport
            || Side != ConnectionSide.Server
            || message.IsText
            || message.BinaryData.Length < DirectSendThreshold
            || (_engine.Compression is not null && !message.DisableCompression)
            || _engine.State != ConnectionState.Open)
        {
            return false;
        }

        PooledPayload.Of(message)?.Retain(); // released once the transport took the payload (FlushThenSendDirectAsync)
        _engine.SendBinaryHeader(message.BinaryData.Length, output);
        payload = message.BinaryData;
        return true;
    }

    /// <summary>
    /// Flushes what the gate's holder wrote, then, when <paramref name="direct"/> holds a payload
    /// whose header was written, has the transport send it from the message's memory.
    /// </summary>
    private ValueTask<FlushResult> FlushAsync(PipeWriter output, ReadOnlyMemory<byte> direct) =>
        direct.IsEmpty ? output.FlushAsync(_abort.Token) : FlushThenSendDirectAsync(output.FlushAsync(_abort.Token), direct);

    /// <summary>Waits for the header's flush, then has the transport send the payload from the message's memory.</summary>
    private async ValueTask<FlushResult> FlushThenSendDirectAsync(ValueTask<FlushResult> flush, ReadOnlyMemory<byte> payload)
    {
        try
        {
            FlushResult result = await flush.ConfigureAwait(false);
            await ((SocketTransport)_transport).SendDirectAsync(payload).ConfigureAwait(false);
            return result;
        }
        finally
        {
            // The sender may have stopped waiting (cancelled) long ago: only now is the memory free.
            PooledPayload.Of(payload)?.Release();
        }
    }
}
