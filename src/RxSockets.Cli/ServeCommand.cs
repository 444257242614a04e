using System;
using System.CommandLine;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli;

/// <summary>
/// <c>rxsockets serve</c>: an echo server (every message sent back unchanged), or with
/// <c>--broadcast</c> a server that sends each line of standard input to every client and prints
/// what clients send; <c>--static DIR</c> also serves a folder's files over HTTP on the same port (a
/// page and its feed). Prints <c>Listening on ws://HOST:PORT/</c> first; stops on Ctrl+C (or, when
/// broadcasting, at the end of input) and closes its connections with 1001.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Builds the command; <paramref name="input"/> is where <c>--broadcast</c> reads lines from.</summary>
    public static Command Create(TextReader input)
    {
        var host = new Option<string>("--host") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8765 };
        var broadcast = new Option<bool>("--broadcast") { Description = "Send each line of standard input to every client instead of echoing; print what clients send." };
        var subprotocols = new Option<string[]>("--subprotocol") { Description = "A subprotocol to accept (repeatable, in order of preference).", HelpName = "NAME" };
        var compress = new Option<bool>("--compress") { Description = "Accept permessage-deflate compression (RFC 7692) when a client offers it." };
        var folder = new Option<string?>("--static") { Description = "Answer plain HTTP GETs with the files of this folder (index.html for /), on the same port.", HelpName = "DIR" };

        var command = new Command("serve", "Run a WebSocket server: an echo server, or a broadcast of standard input.")
        {
            host, port, broadcast, subprotocols, compress, folder,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new WebSocketServerOptions
            {
                Host = parse.GetValue(host) ?? "127.0.0.1",
                Port = parse.GetValue(port),
                Subprotocols = parse.GetValue(subprotocols) ?? [],
                Compression = parse.GetValue(compress) ? new PerMessageDeflateOptions() : null,
            };
            StaticFiles? files = null;
            if (parse.GetValue(folder) is string path)
            {
                try
                {
                    files = new StaticFiles(path);
                    options.ProcessRequest = files.ServeAsync;
                }
                catch (DirectoryNotFoundException ex)
                {
                    parse.InvocationConfiguration.Error.WriteLine(ex.Message);
                    return Task.FromResult(ExitCodes.Usage);
                }
            }

            return RunAsync(options, parse.GetValue(broadcast), input, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken, files?.Root);
        });
        return command;
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled or, when broadcasting, standard input ends.</summary>
    public static async Task<int> RunAsync(WebSocketServerOptions options, bool broadcast, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? staticRoot = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        output = TextWriter.Synchronized(output);
        error = TextWriter.Synchronized(error);

        WebSocketServer server;
        try
        {
            server = broadcast
                ? await WebSocketServer.StartAsync((ws, ct) => PrintAsync(ws, output, ct), options, cancellationToken).ConfigureAwait(false)
                : await WebSocketServer.StartAsync(EchoAsync, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException)
        {
            await error.WriteLineAsync($"Cannot listen on {options.Host}:{options.Port}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (server.ConfigureAwait(false))
        {
            using IDisposable joined = server.Joined.Subscribe(ws => error.WriteLine($"+ {ws.Id} from {ws.RemoteEndPoint}"));
            using IDisposable left = server.Left.Subscribe(ws => error.WriteLine($"- {ws.Id}: {ws.ClosedException?.Message}"));
            await output.WriteLineAsync($"Listening on {server.Uri}").ConfigureAwait(false);
            if (staticRoot is not null)
            {
                Uri page = new UriBuilder(server.Uri) { Scheme = server.Uri.Scheme == "wss" ? "https" : "http" }.Uri;
                await output.WriteLineAsync($"Serving {staticRoot} at {page}").ConfigureAwait(false);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);

            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => stopped.TrySetResult()))
            {
                if (!broadcast)
                {
                    await stopped.Task.ConfigureAwait(false);
                }
                else
                {
                    while (true)
                    {
                        // Console.In blocks even in its async methods, so lines are read on the thread pool.
                        Task<string?> next = Task.Run(input.ReadLine, CancellationToken.None);
                        if (await Task.WhenAny(next, stopped.Task).ConfigureAwait(false) != next || await next.ConfigureAwait(false) is not string line)
                        {
                            break;
                        }

                        int sent = server.Broadcast(Message.FromText(line));
                        await error.WriteLineAsync($"> sent to {sent} client{(sent == 1 ? "" : "s")}").ConfigureAwait(false);
                    }
                }
            }

            await output.WriteLineAsync("Stopping (closing connections with 1001).").ConfigureAwait(false);
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (Message message in ws.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await ws.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ConnectionClosedException)
        {
            // The client went away without a clean close: nothing left to echo.
        }
    }

    private static async Task PrintAsync(WebSocketConnection ws, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (Message message in ws.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"{ws.Id} {ConnectCommand.Format(message, base64: false)}").ConfigureAwait(false);
            }
        }
        catch (ConnectionClosedException)
        {
            // Reported by the Left line.
        }
    }
}
