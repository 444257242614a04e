using System;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A server connection as a feed outlet.
/// </summary>
/// <remarks>
/// <para>
/// TEMPORARY implementation until the core's <c>TrySend(PreparedMessage)</c>,
/// <c>BufferedBytes</c> and <c>WaitForRoomAsync</c> are merged: it keeps its own count of the bytes
/// handed to <c>SendAsync</c> whose send has not completed, measured as the connection measures its
/// queue (characters for text). Every send of this outlet goes through that count, and a send is
/// only started while the count is under the connection's high-water mark, so the connection never
/// makes it wait and sends keep their call order. A send that completes at once costs nothing more;
/// one that waits for the transport costs a continuation (the core's seam removes that).
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
internal sealed class ConnectionOutlet : IFeedOutlet
{
    private readonly WebSocketConnection _connection;
    private readonly long _highWaterMark;

    /// <summary>Bytes handed to <c>SendAsync</c> and not completed yet (<see cref="Interlocked"/>).</summary>
    private long _inFlight;

    /// <summary>Completed (and cleared) when <see cref="_inFlight"/> drops to a quarter of the mark; created by a waiter.</summary>
    private TaskCompletionSource? _room;

    /// <summary>Wraps <paramref name="connection"/>.</summary>
    /// <param name="connection">An open server connection.</param>
    /// <param name="highWaterMark">Its <see cref="WebSocketOptions.WriteHighWaterMark"/>.</param>
    public ConnectionOutlet(WebSocketConnection connection, int highWaterMark)
    {
        _connection = connection;
        _highWaterMark = highWaterMark;
    }

    /// <inheritdoc/>
    public string Id => _connection.Id;

    /// <inheritdoc/>
    public bool IsOpen => _connection.State == ConnectionState.Open;

    /// <inheritdoc/>
    public bool TrySend(PreparedMessage frame)
    {
        if (Volatile.Read(ref _inFlight) >= _highWaterMark || !IsOpen)
        {
            return false;
        }

        Start(frame.Message, CancellationToken.None, out _);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read the signal before the count: a release in between completes this very signal.
            TaskCompletionSource room = RoomSignal();
            if (!IsOpen)
            {
                throw Closed();
            }

            if (Volatile.Read(ref _inFlight) <= _highWaterMark / 4)
            {
                return;
            }

            await Task.WhenAny(room.Task, _connection.Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(Message message, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _inFlight) >= _highWaterMark)
        {
            await WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        }

        Start(message, cancellationToken, out Task? sent);
        if (sent is not null)
        {
            await sent.ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Close(CloseCode code, string reason) => _ = _connection.CloseAsync(code, reason, CancellationToken.None);

    /// <summary>Starts a send counted in <see cref="_inFlight"/>; <paramref name="pending"/> is its task when it did not complete at once.</summary>
    private void Start(Message message, CancellationToken cancellationToken, out Task? pending)
    {
        long size = message.IsText ? message.Text.Length : message.Data.Length;
        Interlocked.Add(ref _inFlight, size);
        ValueTask sent;
        try
        {
            sent = _connection.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is ConnectionClosedException or OperationCanceledException)
        {
            Release(size);
            pending = null;
            return; // closing: the session sees the connection end
        }

        if (sent.IsCompletedSuccessfully)
        {
            Release(size);
            pending = null;
            return;
        }

        pending = CompleteAsync(sent, size);
    }

    private async Task CompleteAsync(ValueTask sent, long size)
    {
        try
        {
            await sent.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConnectionClosedException or OperationCanceledException)
        {
            // The connection closed under the send: the session and the drains see it end.
        }
        finally
        {
            Release(size);
        }
    }

    private TaskCompletionSource RoomSignal()
    {
        TaskCompletionSource? room = Volatile.Read(ref _room);
        if (room is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            room = Interlocked.CompareExchange(ref _room, created, null) ?? created;
        }

        return room;
    }

    private void Release(long size)
    {
        if (Interlocked.Add(ref _inFlight, -size) <= _highWaterMark / 4)
        {
            Interlocked.Exchange(ref _room, null)?.TrySetResult();
        }
    }

    private ConnectionClosedException Closed() =>
        _connection.CloseInfo ?? new ConnectionClosedException(null, null, false, new InvalidOperationException("The connection is closing."));
}
