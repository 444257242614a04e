using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Threading.Tasks;
using RxSockets;

namespace Patterns;

/// <summary>Consumer: the handler subscribes to incoming messages; the connection closes when the client is done.</summary>
public static class Consumer
{
    /// <summary>The handler: consume every message (here, into a log) until the connection closes.</summary>
    public static Task Handle(WebSocketConnection ws, ConcurrentQueue<string> log, System.Threading.CancellationToken cancellationToken) =>
        ws.ForEachAsync(message => log.Enqueue($"consumed {message.Text}"), cancellationToken);

    public static async Task<IReadOnlyList<string>> DemoAsync()
    {
        var log = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await Handle(ws, log, ct);
            done.TrySetResult();
        }, "127.0.0.1", 0);

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri))
        {
            foreach (string text in new[] { "apple", "banana", "cherry" })
            {
                await client.SendAsync(text);
            }
        } // disposing closes with 1000: the server's stream completes and the handler returns

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return log.ToList();
    }
}
