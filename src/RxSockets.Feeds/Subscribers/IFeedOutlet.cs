using System;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// What a topic needs from one subscriber's connection: a send that never waits, how to wait for
/// room, and how to close. <see cref="ConnectionOutlet"/> is the real one; tests use a fake whose
/// buffer drains in virtual time.
/// </summary>
internal interface IFeedOutlet
{
    /// <summary>A short name for logs (the connection id).</summary>
    string Id { get; }

    /// <summary>Whether the connection is open (a closed one accepts nothing and is dropped).</summary>
    bool IsOpen { get; }

    /// <summary>
    /// Sends the shared frame now or queues it behind earlier sends, without waiting: true when
    /// accepted; false (nothing queued) when the connection is not open or its buffer is at or
    /// above its high-water mark.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <returns>Whether it was accepted.</returns>
    bool TrySend(PreparedMessage frame);

    /// <summary>
    /// Sends a run of shared frames as <see cref="TrySend(PreparedMessage)"/> would one by one, up
    /// to the first one refused; the connection writes those accepted together.
    /// </summary>
    /// <param name="frames">The frames.</param>
    /// <returns>How many were accepted: the first ones.</returns>
    int TrySend(ReadOnlySpan<PreparedMessage> frames)
    {
        int sent = 0;
        while (sent < frames.Length && TrySend(frames[sent]))
        {
            sent++;
        }

        return sent;
    }

    /// <summary>Completes once the buffer is at or below a quarter of the high-water mark.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when there is room.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed first.</exception>
    ValueTask WaitForRoomAsync(CancellationToken cancellationToken);

    /// <summary>Sends a message of this connection alone (an error reply), waiting for room like <c>SendAsync</c>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the message was handed to the transport.</returns>
    ValueTask SendAsync(Message message, CancellationToken cancellationToken);

    /// <summary>Starts closing the connection with <paramref name="code"/> and <paramref name="reason"/>; does not wait.</summary>
    /// <param name="code">The close code.</param>
    /// <param name="reason">The reason (at most 123 UTF-8 bytes).</param>
    void Close(CloseCode code, string reason);
}
