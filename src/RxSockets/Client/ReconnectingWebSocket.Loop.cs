using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The reconnection loop: connect, run the connection, classify its ending, back off, again.</summary>
public sealed partial class ReconnectingWebSocket
{
    /// <summary>
    /// Runs until the client ends. Attempts count from 1 after a loss and go back to 0 once a
    /// connection opens, and so does the backoff: its first delay (random, 0–5 s by default) comes
    /// after every loss, so a server restart does not bring every client back at the same instant.
    /// </summary>
    private async Task RunAsync()
    {
        int attempt = 0;
        IEnumerator<TimeSpan>? delays = null;
        long lostAt = 0;
        Exception? ending;
        try
        {
            while (true)
            {
                Publish(ReconnectState.Connecting, attempt);
                (Exception error, bool opened) = await AttemptAsync().ConfigureAwait(false);
                if (StopRequested() is StopRequest stop)
                {
                    ending = stop.Error;
                    break;
                }

                if (opened)
                {
                    attempt = 0;
                    delays?.Dispose();
                    delays = null;
                }

                if (!_options.ShouldReconnect(error))
                {
                    ending = error is ConnectionClosedException { IsNormal: true } ? null : error;
                    break;
                }

                if (delays is null)
                {
                    lostAt = _time.GetTimestamp();
                    delays = _options.Backoff.Delays(_options.Random).GetEnumerator();
                }

                attempt++;
                if (attempt > _options.MaxAttempts || !delays.MoveNext())
                {
                    ClientLog.GaveUp(_logger, _name, attempt - 1, error);
                    ending = error;
                    break;
                }

                TimeSpan delay = delays.Current;
                if (ReconnectOptions.GetRetryAfter(error, _time.GetUtcNow()) is TimeSpan retryAfter && retryAfter > delay)
                {
                    delay = retryAfter;
                }

                if (_options.MaxReconnectTime is TimeSpan limit && _time.GetElapsedTime(lostAt) + delay > limit)
                {
                    ClientLog.GaveUp(_logger, _name, attempt - 1, error);
                    ending = error;
                    break;
                }

                ClientLog.Reconnecting(_logger, _name, attempt, delay.TotalSeconds, error.Message);
                Publish(ReconnectState.Reconnecting, attempt, delay, error);
                try
                {
                    await ClockDelay.DelayAsync(_time, delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (StopRequested() is not null)
                {
                    ending = StopRequested()!.Error;
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // A classification predicate or the backoff threw: that is the client's end.
            ending = ex;
        }
        finally
        {
            delays?.Dispose();
        }

        Finish(ending);
    }

    /// <summary>One attempt: connect, then run the connection until it ends. Never throws.</summary>
    /// <returns>Why it ended (the connect failure, or the connection's ending), and whether the connection opened.</returns>
    private async Task<(Exception Error, bool Opened)> AttemptAsync()
    {
        WebSocketConnection connection;
        try
        {
            connection = await _connect(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return (ex, false);
        }

        await using (connection.ConfigureAwait(false))
        {
            return await RunConnectionAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Forwards the connection's messages, runs the hook, opens the sending side, and waits for the
    /// connection's ending: its <see cref="ConnectionClosedException"/>, a <see cref="TimeoutException"/>
    /// from the watchdog, or the hook's error.
    /// </summary>
    private async Task<(Exception Error, bool Opened)> RunConnectionAsync(WebSocketConnection connection)
    {
        // The connection's own execution decides how the ending wakes this loop: on the thread pool
        // in production (never inside the connection's delivery), inline in virtual-time tests.
        TaskCompletionSource<Exception> ended = connection.Options.Execution.NewSignal<Exception>();
        var forwarder = new Forwarder(this, connection, ended);
        bool idle = false;
        using IdleWatchdog? watchdog = _options.IdleTimeout is TimeSpan timeout
            ? new IdleWatchdog(_time, timeout, () =>
            {
                idle = true;
                connection.Abort();
            })
            : null;
        forwarder.Watchdog = watchdog;
        using IDisposable subscription = connection.Subscribe(forwarder);
        bool opened = false;
        Exception? hookError = null;
        try
        {
            if (_options.OnConnected is { } hook)
            {
                await hook(connection, _stop.Token).ConfigureAwait(false);
            }

            opened = OpenSending(connection);
            if (!opened && StopRequested() is StopRequest stop)
            {
                CloseAsRequested(connection, stop); // stopped while setting up: the stop could not reach this connection
            }
        }
        catch (Exception ex)
        {
            if (StopRequested() is StopRequest stop)
            {
                CloseAsRequested(connection, stop);
            }
            else
            {
                hookError = ex;
                connection.OnError(ex); // closes with 1011, or the code of a WebSocketCloseException
            }
        }

        Exception error = await ended.Task.ConfigureAwait(false);
        CloseSending(connection);
        if (idle)
        {
            error = new TimeoutException($"No message received for {_options.IdleTimeout!.Value.TotalSeconds:0.###} s: the connection was dropped as dead.", error);
        }

        return (hookError ?? error, opened);
    }

    /// <summary>The application's stop request, if it made one.</summary>
    private StopRequest? StopRequested()
    {
        lock (_gate)
        {
            return _stopRequest;
        }
    }

    /// <summary>Forwards one connection's messages to the client's subscribers and reports its ending.</summary>
    private sealed class Forwarder(ReconnectingWebSocket owner, WebSocketConnection connection, TaskCompletionSource<Exception> ended) : IObserver<Message>
    {
        /// <summary>Told about every message; set before the subscription starts.</summary>
        public IdleWatchdog? Watchdog { get; set; }

        public void OnNext(Message value)
        {
            Watchdog?.Touch();
            owner._messages.OnNext(value);
        }

        public void OnCompleted() => ended.TrySetResult(connection.ClosedException ?? new ConnectionClosedException(null, null, false));

        public void OnError(Exception error) => ended.TrySetResult(error);
    }
}
