using System;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A server connection as a feed outlet: the core's <see cref="WebSocketConnection.TrySend(PreparedMessage)"/>
/// (and its run form) and <see cref="WebSocketConnection.WaitForRoomAsync"/>, nothing more. A live subscriber costs no
/// allocation here: the shared frame goes straight into the connection's queue.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ConnectionOutlet(WebSocketConnection connection) : IFeedOutlet
{
    /// <inheritdoc/>
    public string Id => connection.Id;

    /// <inheritdoc/>
    public bool IsOpen => connection.State == ConnectionState.Open;

    /// <inheritdoc/>
    public bool TrySend(PreparedMessage frame) => connection.TrySend(frame);

    /// <inheritdoc/>
    public int TrySend(ReadOnlySpan<PreparedMessage> frames) => connection.TrySend(frames);

    /// <inheritdoc/>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken) => connection.WaitForRoomAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask SendAsync(Message message, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Closing: the session's read loop ends with the connection.
        }
    }

    /// <inheritdoc/>
    public void Close(CloseCode code, string reason) => _ = connection.CloseAsync(code, reason, CancellationToken.None);
}
