using System;
using System.CommandLine;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Cli.Load;

namespace RxSockets.Cli;

/// <summary>
/// <c>rxsockets bench URI</c>: the echo load of the repository's load tool against any
/// <c>ws://</c> echo server. Keeps N messages in flight on each of C connections, checks every
/// echo byte for byte and in order, prints a progress line a second on standard error and a
/// summary table at the end (msgs/s, MB/s, round-trip p50/p99, errors), or one JSON object with
/// <c>--json</c>. <c>--idle N</c> opens N connections and holds them instead.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "The ws:// URI of an echo server (e.g. rxsockets serve)." };
        var connections = new Option<int>("--connections", "-c") { Description = "Connections.", DefaultValueFactory = _ => 16 };
        var inFlight = new Option<int>("--in-flight", "-w") { Description = "Messages in flight per connection.", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size", "-s") { Description = "Message size in bytes.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds measured.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring.", DefaultValueFactory = _ => 1 };
        var text = new Option<bool>("--text") { Description = "Send text messages instead of binary ones." };
        var idle = new Option<int?>("--idle") { Description = "Idle mode: open this many connections, hold them, close them (no messages).", HelpName = "N" };
        var hold = new Option<double>("--hold") { Description = "Idle mode: seconds the connections are held.", DefaultValueFactory = _ => 3 };
        var serverPid = new Option<int?>("--server-pid") { Description = "A local server process whose CPU time and memory to report (Linux /proc).", HelpName = "PID" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on standard output (the table goes to standard error)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress lines." };

        var command = new Command("bench", "Measure a ws:// echo server: throughput, round-trip percentiles and errors.")
        {
            uri, connections, inFlight, size, duration, warmup, text, idle, hold, serverPid, json, quiet,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            string value = parse.GetValue(uri) ?? "";
            if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? target) || target.Scheme != "ws")
            {
                error.WriteLine($"bench needs a ws:// URI (its raw-socket client does not speak TLS): {value}");
                return Task.FromResult(ExitCodes.Usage);
            }

            var options = new LoadOptions
            {
                Host = target.DnsSafeHost,
                Port = target.Port,
                Path = target.PathAndQuery,
                Server = target.Authority,
                Scenario = "bench",
                Connections = parse.GetValue(connections),
                Window = parse.GetValue(inFlight),
                Size = parse.GetValue(size),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Text = parse.GetValue(text),
                Idle = parse.GetValue(idle),
                IdleHold = TimeSpan.FromSeconds(parse.GetValue(hold)),
                ServerPid = parse.GetValue(serverPid),
                Json = parse.GetValue(json),
                Progress = !parse.GetValue(quiet),
            };
            return RunAsync(options, parse.InvocationConfiguration.Output, error, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs the load and prints the result; <see cref="ExitCodes.Failed"/> when any echo was wrong or a connection failed.</summary>
    public static async Task<int> RunAsync(LoadOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        Action<string>? progress = options.Progress ? line => error.WriteLine(line) : null;
        LoadResult result;
        try
        {
            result = options.Idle is null
                ? await LoadRunner.RunAsync(options, progress, cancellationToken).ConfigureAwait(false)
                : await IdleRunner.RunAsync(options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException or OperationCanceledException)
        {
            await error.WriteLineAsync($"bench failed: {ex.Message}").ConfigureAwait(false);
            if (options.Json)
            {
                await output.WriteLineAsync(new LoadResult { Server = options.Server, Scenario = options.Scenario, Errors = 1, FirstError = ex.Message }.ToJson()).ConfigureAwait(false);
            }

            return ExitCodes.Failed;
        }

        if (options.Json)
        {
            await error.WriteAsync(result.ToTable()).ConfigureAwait(false);
            await output.WriteLineAsync(result.ToJson()).ConfigureAwait(false);
        }
        else
        {
            await output.WriteAsync(result.ToTable()).ConfigureAwait(false);
        }

        return result.Errors == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}
