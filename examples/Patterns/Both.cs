using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks;
using RxSockets;

namespace Patterns;

/// <summary>Consumer and producer together: replies to incoming messages merged with a server feed.</summary>
public static class Both
{
    /// <summary>The handler: answer each message, and announce the end when the client is done.</summary>
    public static IObservable<Message> Handle(WebSocketConnection ws) =>
        ws.Select(m => Message.FromText(m.Text.ToUpperInvariant()))
          .Merge(Observable.Return(Message.FromText("welcome")));

    public static async Task<IReadOnlyList<string>> DemoAsync()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(Handle, "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        Task<IList<Message>> replies = client.Take(3).ToList().ToTask();

        await client.SendAsync("hello");
        await client.SendAsync("rx");

        return (await replies.WaitAsync(TimeSpan.FromSeconds(10))).Select(m => $"received {m.Text}").ToList();
    }
}
