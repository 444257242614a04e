// FuzzingClient: RxSockets' client as the agent of an Autobahn-style fuzzing server.
//   dotnet run --project test/RxSockets.Compliance/FuzzingClient -c Release -- ws://127.0.0.1:9001 NAME [--no-deflate]
// Follows Autobahn's fuzzingserver convention: read the case count from BASE/getCaseCount; for
// N in 1..count connect to BASE/runCase?case=N&agent=NAME and echo every data message (same
// type, unchanged) until the connection ends; then connect to BASE/updateReports?agent=NAME.
// A failed handshake or a protocol error in one case just moves on to the next.
// permessage-deflate is offered by default; --no-deflate turns it off.
using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Compliance.FuzzingClient;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Uri? baseUri = null;
        string? agent = null;
        bool offerDeflate = true;
        foreach (string arg in args)
        {
            if (arg == "--no-deflate")
            {
                offerDeflate = false;
            }
            else if (baseUri is null && Uri.TryCreate(arg, UriKind.Absolute, out Uri? uri) && uri.Scheme is "ws" or "wss")
            {
                baseUri = uri;
            }
            else if (baseUri is not null && agent is null && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                agent = arg;
            }
            else
            {
                baseUri = null;
                break;
            }
        }

        if (baseUri is null || string.IsNullOrWhiteSpace(agent))
        {
            Console.Error.WriteLine("usage: FuzzingClient ws://HOST:PORT AGENT [--no-deflate]");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        try
        {
            FuzzingReport report = await RunAsync(baseUri, agent, new FuzzingClientSettings { OfferDeflate = offerDeflate }, Console.Out, stop.Token);
            Console.WriteLine(report);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
        catch (RxSocketsException ex)
        {
            Console.Error.WriteLine($"the fuzzing server at {baseUri} failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Runs every case of the fuzzing server at <paramref name="baseUri"/>, then asks it to update its reports.</summary>
    /// <param name="baseUri">The fuzzing server, for example <c>ws://127.0.0.1:9001</c>.</param>
    /// <param name="agent">The name the reports file the results under.</param>
    /// <param name="settings">Connection settings; see <see cref="FuzzingClientSettings"/>.</param>
    /// <param name="log">Receives one line per case.</param>
    /// <param name="cancellationToken">Stops between or during cases.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="RxSocketsException">getCaseCount or updateReports failed.</exception>
    public static async Task<FuzzingReport> RunAsync(Uri baseUri, string agent, FuzzingClientSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(agent);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        string root = baseUri.AbsoluteUri.TrimEnd('/');
        string name = Uri.EscapeDataString(agent);
        WebSocketClientOptions options = settings.ToOptions();

        int count;
        await using (WebSocketConnection ws = await WebSocketClient.ConnectAsync(new Uri($"{root}/getCaseCount"), options, cancellationToken))
        {
            string text = await ws.ReceiveTextAsync(cancellationToken);
            count = int.Parse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }

        await log.WriteLineAsync($"{count} cases at {root} for agent {agent}{(settings.OfferDeflate ? string.Empty : " (--no-deflate)")}");
        int closedNormally = 0;
        for (int n = 1; n <= count; n++)
        {
            string outcome = await RunCaseAsync(new Uri($"{root}/runCase?case={n}&agent={name}"), options, cancellationToken);
            if (outcome == "closed normally")
            {
                closedNormally++;
            }

            await log.WriteLineAsync($"case {n}/{count}: {outcome}");
        }

        await using (WebSocketConnection ws = await WebSocketClient.ConnectAsync(new Uri($"{root}/updateReports?agent={name}"), options, cancellationToken))
        {
            try
            {
                await ws.Completion.WaitAsync(options.CloseTimeout, cancellationToken); // the server closes it
            }
            catch (TimeoutException)
            {
                // It did not: closing it ourselves (1000) is just as good.
            }
        }

        await log.WriteLineAsync($"reports updated for agent {agent}");
        return new FuzzingReport(count, closedNormally);
    }

    /// <summary>One case: echo every data message until the connection ends; never throws for the case's own failures.</summary>
    private static async Task<string> RunCaseAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        WebSocketConnection ws;
        try
        {
            ws = await WebSocketClient.ConnectAsync(uri, options, cancellationToken);
        }
        catch (HandshakeException ex)
        {
            return $"handshake failed: {ex.Message}";
        }

        await using (ws)
        {
            try
            {
                await foreach (Message message in ws.ReadAllAsync(cancellationToken))
                {
                    await ws.SendAsync(message, cancellationToken);
                }

                return "closed normally";
            }
            catch (ConnectionClosedException ex)
            {
                return $"closed: {ex.Message}";
            }
        }
    }
}
