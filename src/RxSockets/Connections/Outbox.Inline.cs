using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Writes made on the sender's own thread: sent straight to the socket, or flushed and then finished by the sender.</summary>
internal sealed partial class Outbox
{
    /// <summary>Waits for a background flush; a failure has already failed the connection, which the incoming stream reports.</summary>
    private static async Task FinishFlushAsync(Task flushed)
    {
        try
        {
            await flushed.ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
        }
    }

    /// <summary>
    /// Sends a frame the caller framed on its own thread straight to the socket; what the kernel
    /// does not take at once goes to the transport's output and is flushed. The caller holds the output.
    /// </summary>
    private ValueTask<FlushResult> SendNow(ReadOnlySpan<byte> frame, out Exception? failure)
    {
        failure = null;
        try
        {
            int sent = _transport.SendNow(frame);
            if (sent == frame.Length)
            {
                return default; // out: nothing to flush
            }

            _transport.Output.Write(frame[sent..]);
            return FlushAsync(_transport.Output, default);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            failure = ex;
            return default;
        }
    }

    /// <summary>
    /// Ends a write that <see cref="Submit"/> made on the caller's thread, once its flush
    /// completed: hands the output on to the drain if more was queued meanwhile.
    /// </summary>
    public void EndInlineWrite() => ReleaseWriter();

    /// <summary>Waits for an inline write's flush, then ends it (see <see cref="EndInlineWrite"/>); a failure fails the connection.</summary>
    /// <param name="flush">The flush.</param>
    /// <returns>A task that completes once the frame is flushed.</returns>
    /// <exception cref="ConnectionClosedException">The transport failed.</exception>
    public async Task CompleteInlineWriteAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            FlushResult flushed = await flush.ConfigureAwait(false);
            if (flushed.IsCanceled && _owner.IsAborted)
            {
                throw new OperationCanceledException(_owner.AbortToken); // the transport was aborted: nothing was sent
            }
        }
        catch (Exception ex)
        {
            ConnectionClosedException closed = _owner.TransportFailed(ex);
            End(closed);
            ReleaseWriter();
            throw closed;
        }

        ReleaseWriter();
    }
}
