using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The outbox's waits: for room below the low-water mark, for the engine's own frames, for idleness.</summary>
internal sealed partial class Outbox
{
    /// <summary>
    /// Completes once the engine's own frames have been written, or at once when there are none
    /// (the read loop's backpressure when the engine owes the most pongs it keeps).
    /// </summary>
    /// <returns>A task that completes when they are written or the outbox ended.</returns>
    public Task EngineOutputWrittenAsync()
    {
        lock (_lock)
        {
            if (_ended || !_engine.HasPendingOutput)
            {
                return Task.CompletedTask;
            }

            _engineOutputWritten ??= _options.Execution.NewSignal();
            Task written = _engineOutputWritten.Task;
            if (!_writing)
            {
                _writing = true;
                _ = DrainAsync();
            }

            return written;
        }
    }

    /// <summary>Waits until the buffered bytes are at or below a quarter of the high-water mark.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when there is room.</returns>
    /// <exception cref="ConnectionClosedException">The connection no longer sends.</exception>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource room;
            lock (_lock)
            {
                if (_ended || _engine.State != ConnectionState.Open)
                {
                    throw _owner.ClosedError();
                }

                room = _room ??= _options.Execution.NewSignal();
            }

            // The signal is published before the count is read (a full fence between them), and a
            // release lowers the count before it looks for a signal: a release in between completes
            // this very signal, so none is missed.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _bufferedBytes) <= _options.WriteHighWaterMark / 4)
            {
                return;
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes once nothing is queued and nobody writes (the queue drained, or the outbox ended).</summary>
    /// <returns>A task that completes when the outbox is idle.</returns>
    public Task IdleAsync()
    {
        lock (_lock)
        {
            if (!_writing && _count == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= _options.Execution.NewSignal();
            return _idle.Task;
        }
    }

    /// <summary>Returns buffered bytes; wakes waiters for room at the low-water mark.</summary>
    private void Release(long size)
    {
        if (size == 0)
        {
            return;
        }

        long left = Interlocked.Add(ref _bufferedBytes, -size);
        if (left <= _options.WriteHighWaterMark / 4 && Volatile.Read(ref _room) is not null)
        {
            TaskCompletionSource? room;
            lock (_lock)
            {
                room = _room;
                _room = null;
            }

            room?.TrySetResult();
        }
    }
}
