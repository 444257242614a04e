using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The pull-style receive API over the incoming queue.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Complete messages waiting for a consumer; bounded by <see cref="WebSocketOptions.MaxQueue"/>; the read loop is its only writer.</summary>
    private readonly IncomingQueue<Message> _incoming;

    /// <summary>Messages waiting for a consumer (tests use it to know reading has paused).</summary>
    internal int IncomingCount => _incoming.Count;

    /// <summary>Receives the next message.</summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The message.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed; <see cref="ConnectionClosedException.IsNormal"/> tells whether normally.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">Another receive or enumeration is in progress, or the messages go to Rx subscribers.</exception>
    public ValueTask<Message> ReceiveAsync(CancellationToken cancellationToken = default) =>
        !cancellationToken.IsCancellationRequested && _incoming.TryTake(IncomingQueue<Message>.Consumer.Receive, out Message message)
            ? new ValueTask<Message>(PooledPayload.Owned(message))
            : WaitAndReceiveAsync(cancellationToken);

    /// <summary>
    /// Receives the next message without copying a large payload: binary messages above 16 KiB
    /// stay in the pooled memory they were reassembled in, and go back to the pool when the result
    /// is disposed. For servers that handle large messages and let go of them (an echo, a relay, a
    /// parser): no fresh array and one copy less per message. Text and small binary messages are
    /// the same as from <see cref="ReceiveAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The message; dispose it when done with its payload (see <see cref="PooledMessage"/>).</returns>
    /// <exception cref="ConnectionClosedException">The connection closed; <see cref="ConnectionClosedException.IsNormal"/> tells whether normally.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">Another receive or enumeration is in progress, or the messages go to Rx subscribers.</exception>
    /// <example>
    /// <code>
    /// while (true)
    /// {
    ///     using PooledMessage received = await connection.ReceivePooledAsync(cancellationToken);
    ///     await connection.SendAsync(received.Message, cancellationToken);
    /// }
    /// </code>
    /// </example>
    public ValueTask<PooledMessage> ReceivePooledAsync(CancellationToken cancellationToken = default) =>
        !cancellationToken.IsCancellationRequested && _incoming.TryTake(IncomingQueue<Message>.Consumer.Receive, out Message message)
            ? new ValueTask<PooledMessage>(PooledMessage.Of(message))
            : WaitAndReceivePooledAsync(cancellationToken);

    /// <summary>Receives the next message and returns its text (binary messages are decoded as UTF-8).</summary>
    /// <param name="cancellationToken">Cancels the wait (the connection stays open).</param>
    /// <returns>The text.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">Another receive or enumeration is in progress, or the messages go to Rx subscribers.</exception>
    public async ValueTask<string> ReceiveTextAsync(CancellationToken cancellationToken = default) =>
        (await ReceiveAsync(cancellationToken).ConfigureAwait(false)).Text;

    /// <summary>
    /// Enumerates incoming messages until the connection closes: the enumeration ends on a normal
    /// close and throws <see cref="ConnectionClosedException"/> otherwise (python's <c>async for</c>).
    /// One enumeration at a time; it owns the messages until it ends.
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration (the connection stays open).</param>
    /// <returns>The messages, in order.</returns>
    /// <exception cref="InvalidOperationException">Another receive or enumeration is in progress, or the messages go to Rx subscribers (thrown by the first <c>MoveNextAsync</c>).</exception>
    public async IAsyncEnumerable<Message> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        _incoming.Claim(IncomingQueue<Message>.Consumer.ReadAll);
        try
        {
            while (true)
            {
                // Throws the closure itself (the queue's completion error) after an abnormal close.
                if (!await _incoming.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ConnectionClosedException closed = ClosedError();
                    if (!closed.IsNormal)
                    {
                        throw closed;
                    }

                    yield break;
                }

                while (_incoming.TryRead(out Message message))
                {
                    yield return PooledPayload.Owned(message);
                }
            }
        }
        finally
        {
            _incoming.Release();
        }
    }

    /// <summary>A receive call that has to wait for its message (or report why it cannot have one).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a receive loop waits once per batch: no new state-machine box each time
    private async ValueTask<Message> WaitAndReceiveAsync(CancellationToken cancellationToken) =>
        PooledPayload.Owned(await ReceiveQueuedAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>A pooled receive call that has to wait for its message (or report why it cannot have one).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PooledMessage> WaitAndReceivePooledAsync(CancellationToken cancellationToken) =>
        PooledMessage.Of(await ReceiveQueuedAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Takes the next queued message as the read loop left it (a large payload may be pooled), as one receive call.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a receive loop waits once per batch: no new state-machine box each time
    private async ValueTask<Message> ReceiveQueuedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested(); // a cancelled call takes nothing, even when a message waits
        _incoming.Claim(IncomingQueue<Message>.Consumer.Receive);
        try
        {
            while (true)
            {
                if (_incoming.TryRead(out Message message))
                {
                    return message;
                }

                // Throws the closure itself (the queue's completion error) after an abnormal close.
                if (!await _incoming.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw ClosedError();
                }
            }
        }
        finally
        {
            _incoming.Release();
        }
    }
}
