using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The writer's side of the outbox: the drain, frames through the engine, flushes, direct sends.</summary>
internal sealed partial class Outbox
{
    /// <summary>
    /// Binary messages a server sends at least this large go out from their own memory when the
    /// transport supports it (<see cref="ITransport.SendsDirect"/>): server frames are not masked,
    /// so the writer flushes only the header and the transport sends the payload from the message.
    /// Below it, copying into the output costs less than the extra hand-off, and small frames batch
    /// with their neighbours.
    /// </summary>
    internal const int DirectSendThreshold = 64 * 1024;

    /// <summary>
    /// Writes what is queued, in batches of at most <see cref="MaxBatchBytes"/> with one flush
    /// each, until nothing is left; started on demand by whoever found the output free, which
    /// handed it <see cref="_writing"/>. Never throws: a transport failure fails the connection.
    /// </summary>
    /// <param name="yieldFirst">
    /// Whether to move off the caller's thread first: a submitter goes on with its own work; a
    /// burst that ended (<see cref="EndBurst"/>) has nothing else to do and writes here.
    /// </param>
    private async Task DrainAsync(bool yieldFirst = true)
    {
        if (yieldFirst)
        {
            await _options.Execution.Yield(); // off the submitter's thread
        }

        PipeWriter output = _transport.Output;
        List<OutgoingItem> batch = _batch ??= [];
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> direct = default;
                bool closeOutput;
                bool closeSent;
                lock (_lock)
                {
                    long batchBytes = 0;
                    while (batchBytes < MaxBatchBytes && _count > 0 && !_ended)
                    {
                        // Into the batch first: if writing throws (the transport went away under
                        // us), the item is still failed below rather than lost with its sender.
                        OutgoingItem item = Dequeue();
                        batch.Add(item);
                        batchBytes += WriteItem(item, output, out direct, queued: true);
                        if (!direct.IsEmpty)
                        {
                            break; // its payload follows the flush; the rest waits for the next turn
                        }
                    }

                    // After a direct header nothing else may be written: the engine's frames go next turn.
                    if (direct.IsEmpty && _engine.HasPendingOutput)
                    {
                        _engine.WritePendingOutput(output);
                    }

                    closeOutput = direct.IsEmpty && _engine.ShouldCloseTransport && !_outputClosed;
                    _outputClosed |= closeOutput;
                    closeSent = !_closeSent && _engine.CloseSent.HasValue;
                    _closeSent |= closeSent;
                }

                if (closeSent)
                {
                    _owner.OnCloseSent(); // outside the lock: it wakes the read loop, which may run inline
                }

                FlushResult flushed = await FlushAsync(output, direct).ConfigureAwait(false);
                if (flushed.IsCanceled && _owner.IsAborted)
                {
                    throw new OperationCanceledException(_owner.AbortToken); // the transport was aborted: nothing was sent
                }

                CompleteBatch(batch);
                EngineOutputDone();
                if (closeOutput)
                {
                    // RFC 6455 §7.1.1: the server closes the TCP connection first, once the closing handshake is done.
                    await _transport.CloseOutputAsync().ConfigureAwait(false);
                }

                TaskCompletionSource? idle;
                lock (_lock)
                {
                    if (!_ended && (_count > 0 || EngineHasWork()))
                    {
                        continue;
                    }

                    _writing = false;
                    idle = _idle;
                    _idle = null;
                }

                idle?.TrySetResult();
                return;
            }
        }
        catch (Exception ex)
        {
            // The transport failed or was aborted: nothing more can be written.
            Exception closed = ex is OperationCanceledException && _owner.IsAborted ? _owner.ClosedError() : _owner.TransportFailed(ex);
            foreach (OutgoingItem item in batch)
            {
                Fail(item, closed);
            }

            batch.Clear();
            TaskCompletionSource? idle;
            lock (_lock)
            {
                _writing = false;
                idle = _idle;
                _idle = null;
            }

            End(closed);
            idle?.TrySetResult();
        }
    }

    /// <summary>
    /// Writes one item through the engine. A message that can no longer be sent fails; a close when
    /// one is already under way writes what the engine owes. Called under the lock, by the writer.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="direct">The payload to send from its own memory after the flush, when only the header was written.</param>
    /// <param name="queued">Whether the item was queued (its sender is told through its completion) rather than written at once by its sender.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentException">Text with a lone surrogate, written at once: its sender sees the exception.</exception>
    private long WriteItem(in OutgoingItem item, IBufferWriter<byte> output, out ReadOnlyMemory<byte> direct, bool queued)
    {
        direct = default;
        bool open = _engine.State == ConnectionState.Open;
        switch (item.Kind)
        {
            case OutgoingKind.Message when open:
                if (TryWriteDirectHeader(item, output, out direct))
                {
                    return 0;
                }

                if (item.Prepared is { } frame && _engine.Side == ConnectionSide.Server)
                {
                    return _engine.SendPrepared(frame, output);
                }

                try
                {
                    return item.Message.IsText
                        ? _engine.SendText(item.Message.TextData.AsSpan(), output, compress: !item.Message.DisableCompression)
                        : _engine.SendBinary(item.Message.BinaryData.Span, output, compress: !item.Message.DisableCompression);
                }
                catch (ArgumentException ex) when (queued)
                {
                    // Text with a lone surrogate, found before anything of it was written: this
                    // message fails (or, from the sink, is dropped) and the connection goes on.
                    item.Completion?.TrySetException(ex);
                    return 0;
                }

            case OutgoingKind.Ping when open:
                return _engine.SendPing(item.Message.BinaryData.Span, output);

            case OutgoingKind.Close when open:
                return _engine.SendClose(item.Close, output);

            case OutgoingKind.Close:
                return _engine.WritePendingOutput(output); // a close already under way is not an error

            default:
                item.Completion?.TrySetException(_owner.ClosedErrorLocked());
                return 0;
        }
    }

    /// <summary>
    /// Writes only the frame header when <paramref name="item"/> goes out from its own memory
    /// (see <see cref="DirectSendThreshold"/>), and returns its payload. Called under the lock, by the writer.
    /// </summary>
    private bool TryWriteDirectHeader(in OutgoingItem item, IBufferWriter<byte> output, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        Message message = item.Message;
        if (!_transport.SendsDirect
            || _engine.Side != ConnectionSide.Server
            || item.Prepared is not null
            || message.IsText
            || message.BinaryData.Length < DirectSendThreshold
            || (_engine.Compression is not null && !message.DisableCompression))
        {
            return false;
        }

        PooledPayload.Of(message)?.Retain(); // released once the transport took the payload (FlushThenSendDirectAsync)
        _engine.SendBinaryHeader(message.BinaryData.Length, output);
        payload = message.BinaryData;
        return true;
    }

    /// <summary>
    /// Flushes what the writer wrote, then, when <paramref name="direct"/> holds a payload whose
    /// header was written, has the transport send it from the message's memory.
    /// </summary>
    private ValueTask<FlushResult> FlushAsync(PipeWriter output, ReadOnlyMemory<byte> direct) =>
        direct.IsEmpty ? output.FlushAsync(_owner.AbortToken) : FlushThenSendDirectAsync(output.FlushAsync(_owner.AbortToken), direct);

    /// <summary>Waits for the header's flush, then has the transport send the payload from the message's memory.</summary>
    private async ValueTask<FlushResult> FlushThenSendDirectAsync(ValueTask<FlushResult> flush, ReadOnlyMemory<byte> payload)
    {
        try
        {
            FlushResult result = await flush.ConfigureAwait(false);
            await _transport.SendDirectAsync(payload).ConfigureAwait(false);
            return result;
        }
        finally
        {
            // The sender may have stopped waiting (cancelled) long ago: only now is the memory free.
            PooledPayload.Of(payload)?.Release();
        }
    }

    /// <summary>Completes the senders of a flushed batch and returns their bytes.</summary>
    private void CompleteBatch(List<OutgoingItem> batch)
    {
        foreach (OutgoingItem item in batch)
        {
            item.Completion?.TrySetResult();
            item.Pooled?.Release();
            Release(item.Size);
        }

        batch.Clear();
    }

    /// <summary>Tells the read loop, if it waits, that the engine's frames are written.</summary>
    private void EngineOutputDone()
    {
        if (Volatile.Read(ref _engineOutputWritten) is null)
        {
            return;
        }

        TaskCompletionSource? written;
        lock (_lock)
        {
            if (_engine.HasPendingOutput)
            {
                return;
            }

            written = _engineOutputWritten;
            _engineOutputWritten = null;
        }

        written?.TrySetResult();
    }
}
