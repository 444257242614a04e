// Hello: the greeting from python websockets' quick start, done with RxSockets.
//   dotnet run --project examples/Hello                   server and client in one process
//   dotnet run --project examples/Hello -- server [PORT]   only the server (default port 8765)
//   dotnet run --project examples/Hello -- client [URI]    only the client (default ws://localhost:8765/)
using System;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

namespace Hello;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "demo";
        switch (mode)
        {
            case "server":
                int port = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8765;
                await using (WebSocketServer server = await StartServerAsync(port))
                {
                    Console.WriteLine($"Listening on {server.Uri} (Ctrl+C to stop)");
                    await WaitForCtrlCAsync();
                }

                return 0;

            case "client":
                var uri = new Uri(args.Length > 1 ? args[1] : "ws://localhost:8765/");
                Console.WriteLine(await GreetAsync(uri, AskName()));
                return 0;

            case "demo":
                await using (WebSocketServer server = await StartServerAsync(0))
                {
                    Console.WriteLine($"Server listening on {server.Uri}");
                    Console.WriteLine(await GreetAsync(server.Uri, AskName()));
                }

                return 0;

            default:
                Console.Error.WriteLine("usage: Hello [server [PORT] | client [URI]]");
                return 2;
        }
    }

    /// <summary>The server: one handler per connection; the connection closes when it returns.</summary>
    public static Task<WebSocketServer> StartServerAsync(int port) =>
        WebSocketServer.StartAsync(async (ws, ct) =>
        {
            string name = await ws.ReceiveTextAsync(ct);
            Console.WriteLine($"<<< {name}");
            string greeting = $"Hello {name}!";
            await ws.SendAsync(greeting, ct);
            Console.WriteLine($">>> {greeting}");
        }, "127.0.0.1", port);

    /// <summary>The client: send a name, print the greeting.</summary>
    public static async Task<string> GreetAsync(Uri uri, string name, CancellationToken cancellationToken = default)
    {
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(uri, cancellationToken: cancellationToken);
        await ws.SendAsync(name, cancellationToken);
        return await ws.ReceiveTextAsync(cancellationToken);
    }

    private static string AskName()
    {
        Console.Write("What's your name? ");
        string? name = Console.IsInputRedirected && Console.In.Peek() < 0 ? null : Console.ReadLine();
        if (string.IsNullOrWhiteSpace(name))
        {
            name = "World";
            Console.WriteLine(name);
        }

        return name.Trim();
    }

    private static async Task WaitForCtrlCAsync()
    {
        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        await stop.Task;
    }
}
