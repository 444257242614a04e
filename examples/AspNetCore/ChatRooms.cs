using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Reactive.Disposables;
using RxSockets;

namespace AspNetCoreExample;

/// <summary>Who is in which room; a message is framed once and sent to every member (slow members skip it: <see cref="WebSocketConnection.TrySend(PreparedMessage)"/>).</summary>
public sealed class ChatRooms
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<WebSocketConnection, byte>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Connections open in all rooms.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (ConcurrentDictionary<WebSocketConnection, byte> room in _rooms.Values)
            {
                count += room.Count;
            }

            return count;
        }
    }

    public IDisposable Join(string room, WebSocketConnection connection)
    {
        ConcurrentDictionary<WebSocketConnection, byte> members = _rooms.GetOrAdd(room, _ => new());
        members.TryAdd(connection, 0);
        return Disposable.Create(() => members.TryRemove(connection, out _));
    }

    public int Say(string room, string text) =>
        _rooms.TryGetValue(room, out ConcurrentDictionary<WebSocketConnection, byte>? members)
            ? WebSocketServer.Broadcast(Message.FromText(text), (IEnumerable<WebSocketConnection>)members.Keys)
            : 0;
}
