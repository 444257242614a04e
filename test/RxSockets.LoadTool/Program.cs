using System;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Cli.Load;

namespace RxSockets.LoadTool;

/// <summary>
/// The echo load tool. Modes:
/// <code>
///   LoadTool [--port P] [-c C] [-w W] [-s S] [-d SECONDS] [--warmup SECONDS] [--text] [--server-pid PID] [--json]
///   LoadTool --idle N [--step K --pause SECONDS] [--port P] [--hold SECONDS] [--server-pid PID] [--json]
///   LoadTool reflector [--port P]          a raw TCP reflector with a canned 101 (until SIGINT/SIGTERM)
///   LoadTool fanout --server rxsockets|topic|signalr|naive [--port P] [-n SUBSCRIBERS] [--stalled K] [--rate R] [-s BYTES]
///                   [-d SECONDS] [--warmup SECONDS] [--label NAME] [--server-pid PID] [--json]
///                   [--ports A,B --server-pid PID_A,PID_B] [--redis-port P --redis-pid PID]   several nodes on one Redis
///   LoadTool summarize FILE [--baseline NAME,NAME] [--pairs A/B,C/D]   medians, ranges and ratios of compare.sh's JSON lines
/// </code>
/// Always 127.0.0.1; every run stops by itself (duration, then a hard cap of five minutes).
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: LoadTool [--port P] [-c CONNECTIONS] [-w IN_FLIGHT] [-s BYTES] [-d SECONDS] [--warmup SECONDS]
                        [--text] [--path /] [--server-pid PID] [--server NAME] [--scenario NAME] [--json] [--quiet]
               LoadTool --idle N [--step K --pause SECONDS] [--hold SECONDS] [--port P] [--server-pid PID] [--json]
               LoadTool reflector [--port P]
               LoadTool fanout --server rxsockets|topic|signalr|naive [--port P] [-n SUBSCRIBERS] [--stalled K] [--rate MSGS_PER_S]
                               [-s BYTES] [-d SECONDS] [--warmup SECONDS] [--label NAME] [--server-pid PID] [--json]
                               [--ports A,B --server-pid PID_A,PID_B] [--redis-port P --redis-pid PID]
               LoadTool summarize FILE [--baseline NAME[,NAME...]] [--pairs A/B[,C/D...]]
        Targets 127.0.0.1 only. Exit code 1 when any echo was wrong or a connection failed.
        """;

    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "summarize")
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            string baseline = "kestrel,rxsockets";
            string pairs = string.Empty;
            for (int i = 2; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--baseline": baseline = args[i + 1]; break;
                    case "--pairs": pairs = args[i + 1]; break;
                    default:
                        Console.Error.WriteLine(Usage);
                        return 2;
                }
            }

            Console.Write(Summary.Summarize(args[1], baseline, pairs));
            return 0;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        if (args.Length > 0 && args[0] == "reflector")
        {
            int port = args.Length >= 3 && args[1] == "--port" ? int.Parse(args[2], CultureInfo.InvariantCulture) : 9004;
            await Reflector.RunAsync(port, p => Console.WriteLine($"Reflector listening on ws://127.0.0.1:{p}/"), stop.Token);
            return 0;
        }

        if (args.Length > 0 && args[0] == "fanout")
        {
            return await FanOutAsync(args[1..], stop.Token);
        }

        LoadOptions options;
        try
        {
            options = Parse(args);
            options.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Action<string>? progress = options.Progress ? line => Console.Error.WriteLine(line) : null;
        LoadResult result;
        try
        {
            result = options.Idle is null
                ? await LoadRunner.RunAsync(options, progress, stop.Token)
                : await IdleRunner.RunAsync(options, progress, stop.Token);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"load run failed: {ex.Message}");
            if (options.Json)
            {
                Console.WriteLine(new LoadResult { Server = options.Server, Scenario = options.Scenario, Errors = 1, FirstError = ex.Message }.ToJson());
            }

            return 1;
        }

        if (options.Json)
        {
            Console.Error.Write(result.ToTable());
            Console.WriteLine(result.ToJson());
        }
        else
        {
            Console.Write(result.ToTable());
        }

        return result.Errors == 0 ? 0 : 1;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<int> FanOutAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = new FanOutOptions();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--server": options.Server = Enum.Parse<FanOutServer>(Next(), ignoreCase: true); break;
                    case "--label": options.Label = Next(); break;
                    case "--port": options.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "-n" or "--subscribers": options.Subscribers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--stalled": options.Stalled = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--rate": options.Rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "-s" or "--size": options.Size = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "-d" or "--duration": options.Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--warmup": options.Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--server-pid":
                        int[] pids = Ints(Next());
                        options.ServerPid = pids[0];
                        options.MoreServerPids = pids[1..];
                        break;
                    case "--ports":
                        options.Ports = Ints(Next());
                        options.Port = options.Ports[0];
                        break;
                    case "--redis-port": options.RedisPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--redis-pid": options.RedisPid = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--json": options.Json = true; break;
                    default: throw new FormatException($"Unknown argument {args[i]}.");
                }
            }

            options.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            FanOutResult result = await FanOutRunner.RunAsync(options, line => Console.Error.WriteLine(line), cancellationToken);
            Console.Error.Write(result.ToTable());
            if (options.Json)
            {
                Console.WriteLine(result.ToJson());
            }

            return result.Connected == options.Subscribers && result.Missing == 0 && result.Duplicates == 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            Console.Error.WriteLine($"fan-out run failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>"9401,9402" → [9401, 9402].</summary>
    private static int[] Ints(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    private static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            TimeSpan NextSeconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
            switch (args[i])
            {
                case "--port": options.Port = NextInt(); break;
                case "--path": options.Path = Next(); break;
                case "-c" or "--connections": options.Connections = NextInt(); break;
                case "-w" or "--window": options.Window = NextInt(); break;
                case "-s" or "--size": options.Size = NextInt(); break;
                case "-d" or "--duration": options.Duration = NextSeconds(); break;
                case "--warmup": options.Warmup = NextSeconds(); break;
                case "--text": options.Text = true; break;
                case "--server-pid": options.ServerPid = NextInt(); break;
                case "--server": options.Server = Next(); break;
                case "--scenario": options.Scenario = Next(); break;
                case "--idle": options.Idle = NextInt(); break;
                case "--hold": options.IdleHold = NextSeconds(); break;
                case "--step": options.IdleStep = NextInt(); break;
                case "--pause": options.IdlePause = NextSeconds(); break;
                case "--json": options.Json = true; break;
                case "--quiet": options.Progress = false; break;
                default: throw new FormatException($"Unknown argument {args[i]}.");
            }
        }

        return options;
    }
}
