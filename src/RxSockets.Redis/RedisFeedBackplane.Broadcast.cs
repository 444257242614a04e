using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RxSockets;

/// <summary>Server-wide broadcast across nodes: one <c>PUBLISH</c> per message; each node's attached servers send it as <see cref="WebSocketServer.Broadcast(PreparedMessage)"/> does.</summary>
public sealed partial class RedisFeedBackplane
{
    /// <summary>Guards <see cref="_servers"/> and <see cref="_broadcasts"/>.</summary>
    private readonly Lock _broadcastGate = new();

    /// <summary>The servers of this node that receive broadcasts; copied on write, read by the channel's handler.</summary>
    private WebSocketServer[] _servers = [];

    /// <summary>The broadcast channel's subscription, from the first attached server on.</summary>
    private ChannelMessageQueue? _broadcasts;

    private RedisChannel BroadcastChannel { get; }

    /// <summary>
    /// Makes <paramref name="server"/> receive the broadcasts of every node (<see cref="BroadcastAsync"/>):
    /// each is framed once on this node and sent to all of its open connections, skipping slow ones,
    /// like a local <see cref="WebSocketServer.Broadcast(PreparedMessage)"/>. Broadcasts have no
    /// sequence or history (use a feed topic for that); one made while this node's connection to Redis
    /// is down does not reach it.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <returns>Dispose it to stop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="server"/> is null.</exception>
    public IDisposable AttachServer(WebSocketServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_broadcastGate)
        {
            _servers = [.. _servers, server];
            if (_broadcasts is null)
            {
                _broadcasts = Multiplexer.GetSubscriber().Subscribe(BroadcastChannel);
                _broadcasts.OnMessage(OnBroadcast);
            }
        }

        return new Detach(this, server);
    }

    /// <summary>
    /// Sends <paramref name="message"/> to every open connection of every server attached on any
    /// node (<see cref="AttachServer"/>): one Redis round trip.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting (the message may still go out).</param>
    /// <returns>How many nodes received it.</returns>
    /// <exception cref="RedisException">Redis did not take it.</exception>
    public async Task<long> BroadcastAsync(Message message, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> data = message.Data;
        byte[] payload = new byte[data.Length + 1];
        payload[0] = message.IsText ? (byte)'t' : (byte)'b';
        data.Span.CopyTo(payload.AsSpan(1));
        return await Multiplexer.GetSubscriber().PublishAsync(BroadcastChannel, payload).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnBroadcast(ChannelMessage received)
    {
        byte[]? payload = received.Message;
        if (payload is not { Length: > 0 } || payload[0] is not ((byte)'t' or (byte)'b'))
        {
            RedisLog.BadPayload(Logger, BroadcastChannel.ToString());
            return;
        }

        Message message = payload[0] == (byte)'t'
            ? Message.FromText(System.Text.Encoding.UTF8.GetString(payload, 1, payload.Length - 1))
            : Message.FromBinary(payload.AsMemory(1));
        var prepared = new PreparedMessage(message);
        foreach (WebSocketServer server in Volatile.Read(ref _servers))
        {
            server.Broadcast(prepared);
        }
    }

    private void StopBroadcasts()
    {
        ChannelMessageQueue? queue;
        lock (_broadcastGate)
        {
            queue = _broadcasts;
            _broadcasts = null;
            _servers = [];
        }

        try
        {
            queue?.Unsubscribe(CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // The connection is gone: so is the subscription.
        }
    }

    private void Remove(WebSocketServer server)
    {
        lock (_broadcastGate)
        {
            var servers = new List<WebSocketServer>(_servers);
            servers.Remove(server);
            _servers = [.. servers];
        }
    }

    private sealed class Detach(RedisFeedBackplane owner, WebSocketServer server) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Remove(server);
            }
        }
    }
}
