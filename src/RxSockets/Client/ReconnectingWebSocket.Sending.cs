using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The sending side: the sink, <see cref="SendAsync(Message, CancellationToken)"/>, and the buffer for messages sent while disconnected.</summary>
public sealed partial class ReconnectingWebSocket
{
    /// <summary>Messages waiting for the next connection (<see cref="DisconnectedSends.Buffer"/>), in send order; guarded by <see cref="_gate"/>.</summary>
    private readonly Queue<Pending> _buffer = new();

    /// <summary>The bytes in <see cref="_buffer"/>; at most <see cref="ReconnectOptions.BufferLimit"/>.</summary>
    private long _bufferedBytes;

    /// <summary>
    /// Sends <paramref name="value"/> on the open connection (queued there without waiting, as a
    /// connection's sink does); while none is open, buffers it or hands it to <see cref="Undelivered"/>
    /// as <see cref="ReconnectOptions.WhileDisconnected"/> says.
    /// </summary>
    /// <param name="value">The message.</param>
    public void OnNext(Message value)
    {
        WebSocketConnection? open;
        lock (_gate)
        {
            open = _open;
            if (open is null && _stopRequest is null && !_finished && TryBuffer(value, sent: null))
            {
                return;
            }
        }

        if (open is not null)
        {
            open.OnNext(value);
        }
        else
        {
            _undelivered.OnNext(value);
        }
    }

    /// <summary>Stops the client: the open connection closes with 1000, no more reconnecting, and the message stream completes.</summary>
    public void OnCompleted() => Stop(new StopRequest(null));

    /// <summary>
    /// Stops the client with an error: the open connection closes with 1011 (or the status of a
    /// <see cref="WebSocketCloseException"/>), no more reconnecting, and the message stream fails with
    /// <paramref name="error"/>.
    /// </summary>
    /// <param name="error">The error.</param>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public void OnError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Stop(new StopRequest(error));
    }

    /// <summary>
    /// Sends a message on the open connection and completes when it was written to the transport.
    /// While none is open: with <see cref="DisconnectedSends.Fail"/> it throws at once; with
    /// <see cref="DisconnectedSends.Buffer"/> the message waits in the buffer and this completes once it
    /// was sent on the next connection (cancelling stops the wait, not the send).
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="DisconnectedException">No connection is open and the message cannot wait (or the buffer is full), or the client has ended.</exception>
    /// <exception cref="ConnectionClosedException">The connection closed before the message was written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask SendAsync(Message message, CancellationToken cancellationToken = default)
    {
        WebSocketConnection? open;
        TaskCompletionSource? sent = null;
        lock (_gate)
        {
            if (_stopRequest is not null || _finished)
            {
                throw new DisconnectedException("Not sent: the reconnecting client has ended.", _status);
            }

            open = _open;
            if (open is null)
            {
                sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (!TryBuffer(message, sent))
                {
                    throw new DisconnectedException(
                        _options.WhileDisconnected == DisconnectedSends.Fail
                            ? $"Not sent: no connection is open ({_status})."
                            : $"Not sent: the buffer for messages sent while disconnected is full ({_options.BufferLimit} bytes).",
                        _status);
                }
            }
        }

        if (open is not null)
        {
            await open.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await sent!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a text message (see <see cref="SendAsync(Message, CancellationToken)"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was written.</returns>
    /// <exception cref="DisconnectedException">No connection is open and the message cannot wait, or the client has ended.</exception>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) => SendAsync(Message.FromText(text), cancellationToken);

    /// <summary>Stops as the application asked; ends at once if the client never started.</summary>
    private void Stop(StopRequest request)
    {
        RequestStop(request);
        bool started;
        lock (_gate)
        {
            started = _loop is not null;
        }

        if (!started)
        {
            Finish(request.Error);
        }
    }

    /// <summary>
    /// Sends what was buffered on <paramref name="connection"/>, in order, then makes it the
    /// connection sends go to and reports <see cref="ReconnectState.Open"/>. Messages sent meanwhile
    /// join the end of the buffer, so nothing overtakes what was sent before it.
    /// </summary>
    /// <returns>False if the application stopped the client meanwhile.</returns>
    private bool OpenSending(WebSocketConnection connection)
    {
        while (true)
        {
            Pending next;
            lock (_gate)
            {
                if (_stopRequest is not null)
                {
                    return false;
                }

                if (!_buffer.TryDequeue(out next))
                {
                    _open = connection;
                    break;
                }

                _bufferedBytes -= next.Size;
            }

            if (next.Sent is null)
            {
                connection.OnNext(next.Message);
            }
            else
            {
                _ = CompleteAsync(connection.SendAsync(next.Message), next.Sent);
            }
        }

        Publish(ReconnectState.Open, 0);
        return true;

        static async Task CompleteAsync(ValueTask send, TaskCompletionSource sent)
        {
            try
            {
                await send.ConfigureAwait(false);
                sent.TrySetResult();
            }
            catch (Exception ex)
            {
                sent.TrySetException(ex);
            }
        }
    }

    /// <summary>The connection ended: sends wait or fail until the next one opens.</summary>
    private void CloseSending(WebSocketConnection connection)
    {
        lock (_gate)
        {
            if (_open == connection)
            {
                _open = null;
            }
        }
    }

    /// <summary>Buffers a message if the options allow and it fits; under <see cref="_gate"/>.</summary>
    private bool TryBuffer(Message message, TaskCompletionSource? sent)
    {
        if (_options.WhileDisconnected != DisconnectedSends.Buffer)
        {
            return false;
        }

        long size = message.IsText ? Encoding.UTF8.GetByteCount(message.Text) : message.Data.Length;
        if (_bufferedBytes + size > _options.BufferLimit)
        {
            return false;
        }

        _buffer.Enqueue(new Pending(message, sent, size));
        _bufferedBytes += size;
        return true;
    }

    /// <summary>The client ended: what is still buffered was not sent.</summary>
    private void DrainBufferToUndelivered()
    {
        List<Pending> left;
        lock (_gate)
        {
            left = [.. _buffer];
            _buffer.Clear();
            _bufferedBytes = 0;
        }

        foreach (Pending pending in left)
        {
            if (pending.Sent is null)
            {
                _undelivered.OnNext(pending.Message);
            }
            else
            {
                pending.Sent.TrySetException(new DisconnectedException("Not sent: the reconnecting client ended before the next connection opened.", Status));
            }
        }
    }

    /// <summary>A message waiting for the next connection; <see cref="Sent"/> is set for <c>SendAsync</c>, null for the sink.</summary>
    private readonly record struct Pending(Message Message, TaskCompletionSource? Sent, long Size);
}
