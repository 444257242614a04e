using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Threading.Tasks;
using RxSockets;

namespace Patterns;

/// <summary>Registration: the server's registry of open connections and a broadcast to all of them.</summary>
public static class Chat
{
    /// <summary>Starts a chat server: every message from one client goes to every client.</summary>
    public static async Task<WebSocketServer> StartAsync()
    {
        WebSocketServer? server = null;
        server = await WebSocketServer.StartAsync(
            (ws, ct) => ws.ForEachAsync(m => server!.Broadcast(Message.FromText($"{ws.Id}: {m.Text}")), ct),
            "127.0.0.1",
            0);
        return server;
    }

    public static async Task<IReadOnlyList<string>> DemoAsync()
    {
        await using WebSocketServer server = await StartAsync();
        await using WebSocketConnection alice = await WebSocketClient.ConnectAsync(server.Uri);
        await using WebSocketConnection bob = await WebSocketClient.ConnectAsync(server.Uri);
        // Both are registered: the server registers a connection before it answers the handshake.

        // Each message goes through its sender's handler on the server; wait for the first to
        // come around before answering, as people in a chat do.
        await alice.SendAsync("hi bob");
        Message first = await bob.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await bob.SendAsync("hi alice");
        Message second = await bob.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        return [$"bob received {first.Text}", $"bob received {second.Text}"];
    }
}
