// What a NuGet user gets: a server and a client from the RxSockets package echo one message, the
// Rx surface works, RxSockets.Testing runs a handler in virtual time, and RxSockets.Feeds loads.
// Exit code 0 and one "package consumer: OK" line when all of it works.
using System.Reactive.Linq;
using System.Reflection;
using Microsoft.Reactive.Testing;
using RxSockets;
using RxSockets.Testing;

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
CancellationToken ct = timeout.Token;

// The async style: a server on a free port, a client, one message there and back.
await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, token) =>
{
    string text = await ws.ReceiveTextAsync(token);
    await ws.SendAsync($"echo: {text}", token);
}, "127.0.0.1", 0, ct);
await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, cancellationToken: ct))
{
    await client.SendAsync("hello from a package", ct);
    string reply = await client.ReceiveTextAsync(ct);
    Check(reply == "echo: hello from a package", $"the echo was \"{reply}\"");
}

// The Rx style: the handler returns the stream to send.
await using WebSocketServer shout = await WebSocketServer.StartAsync(
    ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())), "127.0.0.1", 0, ct);
await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(shout.Uri, cancellationToken: ct))
{
    await client.SendAsync("rx", ct);
    string reply = await client.ReceiveTextAsync(ct);
    Check(reply == "RX", $"the Rx echo was \"{reply}\"");
}

// RxSockets.Testing: a handler in virtual time, with marble diagrams.
var scheduler = new TestScheduler();
HandlerTestResult result = WebSocketTest.Run(scheduler, ws => ws.Select(m => Message.FromText(m.Text.ToUpperInvariant())), client: "-a--b--|");
result.AssertServerSent("-A--B--|");

// RxSockets.Feeds: the hub loads from its package.
using (var hub = new FeedHub())
{
}

string version = typeof(WebSocketServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
Console.WriteLine($"package consumer: OK (RxSockets {version})");
return 0;

static void Check(bool condition, string failure)
{
    if (!condition)
    {
        Console.Error.WriteLine($"package consumer: FAILED: {failure}");
        Environment.Exit(1);
    }
}
