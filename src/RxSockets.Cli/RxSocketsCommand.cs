using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli;

/// <summary>
/// The root command, <c>rxsockets</c>, and its three subcommands. Everything a command reads and
/// writes goes through the <see cref="TextReader"/> and <see cref="TextWriter"/>s given here, so
/// tests run commands in-process with pipes for standard input and output.
/// </summary>
internal static class RxSocketsCommand
{
    /// <summary>Builds the command tree; <paramref name="input"/> is what <c>connect</c> and <c>serve --broadcast</c> read lines from.</summary>
    public static RootCommand Create(TextReader input)
    {
        var root = new RootCommand("rxsockets: a WebSocket client, server and load generator (RxSockets).");
        root.Subcommands.Add(ConnectCommand.Create(input));
        root.Subcommands.Add(ServeCommand.Create(input));
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line; returns one of <see cref="ExitCodes"/>.</summary>
    /// <param name="args">The arguments after the tool's name.</param>
    /// <param name="input">Standard input.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="handleSignals">Whether Ctrl+C and SIGTERM cancel the command (the real process), or only <paramref name="cancellationToken"/> does (tests).</param>
    /// <param name="cancellationToken">Stops the command: a client closes, a server shuts down, a benchmark ends.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter error, bool handleSignals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ParseResult parsed = Create(input).Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (!handleSignals)
        {
            configuration.ProcessTerminationTimeout = null;
        }

        int code = await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        return parsed.Errors.Count > 0 ? ExitCodes.Usage : code;
    }
}
