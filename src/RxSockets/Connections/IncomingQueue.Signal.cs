using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace RxSockets;

/// <summary>The incoming queue's waits.</summary>
internal sealed partial class IncomingQueue<T>
{
    /// <summary>
    /// A wait, reused: armed under the queue's lock for each wait, completed once by whoever clears
    /// the queue's reference to it under the lock (a write, a read, completion, or the wait's
    /// cancellation, which checks that the wait it was registered for is still the current one).
    /// </summary>
    private sealed class Signal(IncomingQueue<T> owner) : IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = owner._runContinuationsAsynchronously };
        private CancellationTokenRegistration _registration;

        /// <summary>The token of the current wait: a late callback of an earlier wait's registration must not end a wait with another token.</summary>
        private CancellationToken _token;

        /// <summary>Starts a new wait. Called under the queue's lock; the previous wait's result has been taken.</summary>
        public ValueTask<bool> Arm(CancellationToken cancellationToken)
        {
            _core.Reset();
            short version = _core.Version;
            _token = cancellationToken;
            _registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static (state, token) => ((Signal)state!).OnCancelled(token), this)
                : default;
            return new ValueTask<bool>(this, version);
        }

        /// <summary>Ends the wait; the caller cleared the queue's reference to it under the lock, so it is the only one completing it.</summary>
        public void Complete(bool result, Exception? error)
        {
            _registration.Unregister();
            _registration = default;
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }

        public bool GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void OnCancelled(CancellationToken token)
        {
            lock (owner)
            {
                if (owner._reader != this || _token != token)
                {
                    return; // the wait ended already, or this is a later wait with another token
                }

                owner._reader = null;
            }

            _registration = default; // this is its callback: nothing to unregister
            _core.SetException(new OperationCanceledException(token));
        }
    }
}
