using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace RxSockets;

/// <summary>
/// One direction's readiness of a polled socket (<see cref="SocketPoller"/>): the poll thread
/// <see cref="Signal"/>s it, one loop at a time <see cref="WaitAsync"/>s for it.
/// </summary>
/// <remarks>
/// <para>
/// The poller registers sockets edge-triggered, so the kernel reports new data (or new room) once
/// and never repeats it. A signal that comes while nobody waits is therefore latched: the next
/// wait completes at once, and the loop tries its receive or send again. A stale latch costs one
/// system call that finds nothing; a lost one would hang the connection.
/// </para>
/// <para>
/// The waiter's continuation runs inline on the thread that signals it, the poll thread: that is
/// the point of the poller (no hop to the thread pool between the kernel's event and the socket
/// loop). The loops that wait here are the transport's own and never run user code.
/// </para>
/// Allocation-free: one reusable <see cref="ManualResetValueTaskSourceCore{TResult}"/>.
/// </remarks>
internal sealed class ReadinessSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Ready = 1;
    private const int Waiting = 2;
    private const int Closed = 3;

    private ManualResetValueTaskSourceCore<bool> _core; // RunContinuationsAsynchronously = false: inline on the signaller
    private int _state;

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>
    /// Waits for the next signal, or completes at once if one came since the last wait, or if the
    /// signal is closed. One waiter at a time; the caller then tries its operation again.
    /// </summary>
    /// <returns>An awaitable that completes on the poll thread when the socket is ready.</returns>
    public ValueTask WaitAsync()
    {
        _core.Reset();
        switch (Interlocked.CompareExchange(ref _state, Waiting, Idle))
        {
            case Idle:
                return new ValueTask(this, _core.Version);
            case Ready:
                Interlocked.CompareExchange(ref _state, Idle, Ready); // consumed; Close may have won meanwhile
                return ValueTask.CompletedTask;
            default:
                return ValueTask.CompletedTask; // closed: the caller's next call fails or sees the end
        }
    }

    /// <summary>Wakes the waiter, or latches the signal for the next wait. Called by the poll thread.</summary>
    public void Signal()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                {
                    _core.SetResult(true);
                    return;
                }
            }
            else if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Ready, Idle) == Idle)
                {
                    return;
                }
            }
            else
            {
                return; // already latched, or closed
            }
        }
    }

    /// <summary>Wakes the waiter for good: every later wait completes at once. Any thread.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
        {
            _core.SetResult(true);
        }
    }

    /// <inheritdoc/>
    public void GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(System.Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
