using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli;

/// <summary>
/// <c>rxsockets connect URI</c>: an interactive client in the manner of <c>python -m websockets</c>.
/// Each line read from standard input is sent as a text message, each message received is
/// printed on standard output (<c>&lt; text</c>; binary as hex or base64), and lines that start
/// with <c>/</c> are commands (<see cref="Help"/>). End of input closes with 1000; the exit code
/// says how the connection ended (<see cref="ExitCodes"/>).
/// </summary>
internal static class ConnectCommand
{
    /// <summary>The interactive commands, as <c>/help</c> prints them.</summary>
    public const string Help = """
        Commands:
          /ping                   send a ping and print the round trip
          /close [CODE] [REASON]  close with CODE (1000) and REASON, then exit
          /binary HEX             send a binary message (hex digits)
          /help                   this list
          //text                  send "/text" (a leading slash, doubled)
        Any other line is sent as a text message; end of input (Ctrl+D) closes with 1000.
        """;

    /// <summary>Builds the command; <paramref name="input"/> is where lines to send are read from.</summary>
    public static Command Create(TextReader input)
    {
        var uri = new Argument<string>("uri") { Description = "The ws:// or wss:// URI to connect to." };
        var headers = new Option<string[]>("--header", "-H") { Description = "An extra request header, \"Name: value\" (repeatable).", HelpName = "NAME: VALUE" };
        var subprotocols = new Option<string[]>("--subprotocol") { Description = "A subprotocol to offer (repeatable, in order of preference).", HelpName = "NAME" };
        var origin = new Option<string?>("--origin") { Description = "The Origin header to send." };
        var compress = new Option<bool>("--compress") { Description = "Offer permessage-deflate compression (RFC 7692)." };
        var expect = new Option<int>("--expect") { Description = "After end of input, wait until N messages have arrived in all before closing (for scripts: echo hi | rxsockets connect URI --expect 1).", HelpName = "N" };
        var binary = new Option<string>("--binary-as") { Description = "How binary messages are printed.", DefaultValueFactory = _ => "hex" };
        binary.AcceptOnlyFromAmong("hex", "base64");

        var command = new Command("connect", "Open an interactive connection: lines typed are sent, messages received are printed.")
        {
            uri, headers, subprotocols, origin, compress, binary, expect,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            if (!Uri.TryCreate(parse.GetValue(uri), UriKind.Absolute, out Uri? target) || (target.Scheme != "ws" && target.Scheme != "wss"))
            {
                error.WriteLine($"Not a ws:// or wss:// URI: {parse.GetValue(uri)}");
                return Task.FromResult(ExitCodes.Usage);
            }

            var options = new WebSocketClientOptions
            {
                Subprotocols = parse.GetValue(subprotocols) ?? [],
                Origin = parse.GetValue(origin),
                Compression = parse.GetValue(compress) ? new PerMessageDeflateOptions() : null,
            };
            var headerList = new List<KeyValuePair<string, string>>();
            foreach (string header in parse.GetValue(headers) ?? [])
            {
                int colon = header.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    error.WriteLine($"A header is \"Name: value\", not \"{header}\".");
                    return Task.FromResult(ExitCodes.Usage);
                }

                headerList.Add(new(header[..colon].Trim(), header[(colon + 1)..].Trim()));
            }

            options.Headers = headerList;
            bool base64 = parse.GetValue(binary) == "base64";
            int expected = parse.GetValue(expect);
            if (expected < 0)
            {
                error.WriteLine("--expect takes a count of messages, 0 or more.");
                return Task.FromResult(ExitCodes.Usage);
            }

            return RunAsync(target, options, base64, expected, input, output, error, cancellationToken);
        });
        return command;
    }

    /// <summary>Connects, then relays standard input and the connection until one side closes.</summary>
    /// <param name="uri">Where to connect.</param>
    /// <param name="options">The client's options (headers, subprotocols, compression).</param>
    /// <param name="base64">Print binary messages in base64 rather than hex.</param>
    /// <param name="expect">After the end of input, the messages to have received in all before closing.</param>
    /// <param name="input">Lines to send and commands.</param>
    /// <param name="output">Where messages and status lines go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Ctrl+C: closes with 1000.</param>
    public static async Task<int> RunAsync(Uri uri, WebSocketClientOptions options, bool base64, int expect, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        // The receive loop and the command loop both print.
        output = TextWriter.Synchronized(output);
        WebSocketConnection ws;
        try
        {
            ws = await WebSocketClient.ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RxSocketsException or IOException or ArgumentException)
        {
            await error.WriteLineAsync($"Failed to connect to {uri}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failed;
        }

        await using (ws.ConfigureAwait(false))
        {
            string extras = (ws.Subprotocol is null ? "" : $", subprotocol {ws.Subprotocol}") + (ws.Compression is null ? "" : ", permessage-deflate");
            await output.WriteLineAsync($"Connected to {uri}{extras}.").ConfigureAwait(false);
            var enoughReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task printing = PrintIncomingAsync(ws, base64, expect, enoughReceived, output);

            CloseStatus? closeWith = null;
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => cancelled.TrySetResult()))
            {
                Task<string?> nextLine = ReadLineAsync(input);
                while (true)
                {
                    Task first = await Task.WhenAny(nextLine, ws.Completion, cancelled.Task).ConfigureAwait(false);
                    if (first != nextLine)
                    {
                        break; // the peer closed, or Ctrl+C
                    }

                    string? line = await nextLine.ConfigureAwait(false);
                    if (line is null)
                    {
                        // End of input (Ctrl+D): close, once --expect messages have arrived.
                        await Task.WhenAny(enoughReceived.Task, ws.Completion, cancelled.Task).ConfigureAwait(false);
                        closeWith = new CloseStatus(CloseCode.NormalClosure);
                        break;
                    }

                    (bool more, closeWith) = await HandleLineAsync(ws, line, output, error, cancellationToken).ConfigureAwait(false);
                    if (!more)
                    {
                        break; // /close, or the peer closed meanwhile
                    }

                    nextLine = ReadLineAsync(input);
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                closeWith ??= new CloseStatus(CloseCode.NormalClosure);
            }

            // Both end when the connection is closed, bounded by WebSocketOptions.CloseTimeout
            // (CloseAsync does nothing more if the peer closed first); neither faults.
            await (closeWith is CloseStatus status ? ws.CloseAsync(status.Code, status.Reason, CancellationToken.None) : ws.Completion).ConfigureAwait(false);
            await printing.ConfigureAwait(false);
            ConnectionClosedException? closed = ws.ClosedException;
            await output.WriteLineAsync(closed?.Message ?? "Connection closed.").ConfigureAwait(false);
            return closed is { IsNormal: true } ? ExitCodes.Success : ExitCodes.ClosedAbnormally;
        }
    }

    /// <summary>Formats a received message the way <c>connect</c> prints it.</summary>
    public static string Format(Message message, bool base64)
    {
        if (message.IsText)
        {
            return "< " + message.Text;
        }

        ReadOnlySpan<byte> data = message.Data.Span;
        string bytes = base64 ? Convert.ToBase64String(data) : Convert.ToHexStringLower(data);
        return string.Create(CultureInfo.InvariantCulture, $"< [binary, {data.Length} bytes] {bytes}");
    }

    /// <summary>Reads one line on the thread pool: <see cref="Console.In"/> blocks even in its async methods.</summary>
    private static Task<string?> ReadLineAsync(TextReader input) => Task.Run(input.ReadLine, CancellationToken.None);

    private static async Task PrintIncomingAsync(WebSocketConnection ws, bool base64, int expect, TaskCompletionSource enoughReceived, TextWriter output)
    {
        int received = 0;
        if (expect == 0)
        {
            enoughReceived.TrySetResult();
        }

        try
        {
            await foreach (Message message in ws.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await output.WriteLineAsync(Format(message, base64)).ConfigureAwait(false);
                if (++received == expect)
                {
                    enoughReceived.TrySetResult();
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // An abnormal close: reported once, from ClosedException, when the command ends.
        }
    }

    /// <summary>Sends a line or runs a command; <c>More</c> is false once the connection is to close (with <c>Close</c>) or has closed.</summary>
    private static async Task<(bool More, CloseStatus? Close)> HandleLineAsync(WebSocketConnection ws, string line, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            if (!line.StartsWith('/') || line.StartsWith("//", StringComparison.Ordinal))
            {
                await ws.SendAsync(line.StartsWith('/') ? line[1..] : line, cancellationToken).ConfigureAwait(false);
                return (true, null);
            }

            string[] parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (parts[0])
            {
                case "/ping":
                    TimeSpan rtt = await ws.PingAsync(cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Pong received after {rtt.TotalMilliseconds:0.###} ms.")).ConfigureAwait(false);
                    return (true, null);

                case "/close":
                    int code = (int)CloseCode.NormalClosure;
                    if (parts.Length > 1 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out code) || !CloseStatus.IsValidOnWire(code)))
                    {
                        await error.WriteLineAsync($"Not a close code that may be sent: {parts[1]} (1000-1003, 1007-1014, 3000-4999).").ConfigureAwait(false);
                        return (true, null);
                    }

                    string reason = parts.Length > 2 ? parts[2] : "";
                    if (System.Text.Encoding.UTF8.GetByteCount(reason) > CloseStatus.MaxReasonBytes)
                    {
                        await error.WriteLineAsync($"A close reason is at most {CloseStatus.MaxReasonBytes} UTF-8 bytes.").ConfigureAwait(false);
                        return (true, null);
                    }

                    return (false, new CloseStatus((CloseCode)code, reason));

                case "/binary":
                    byte[] data;
                    try
                    {
                        data = parts.Length > 1 ? Convert.FromHexString(string.Concat(parts[1..]).Replace(" ", "", StringComparison.Ordinal)) : [];
                    }
                    catch (FormatException)
                    {
                        await error.WriteLineAsync("/binary takes hex digits, e.g. /binary 68656c6c6f.").ConfigureAwait(false);
                        return (true, null);
                    }

                    await ws.SendAsync(Message.FromBinary(data), cancellationToken).ConfigureAwait(false);
                    return (true, null);

                case "/help":
                    await output.WriteLineAsync(Help).ConfigureAwait(false);
                    return (true, null);

                default:
                    await error.WriteLineAsync($"Unknown command {parts[0]}; /help lists them (//text sends \"/text\").").ConfigureAwait(false);
                    return (true, null);
            }
        }
        catch (ConnectionClosedException)
        {
            return (false, null); // the peer closed meanwhile; how is printed when the command ends
        }
    }
}
