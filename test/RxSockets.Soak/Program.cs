// The scale-out soak (issue 22, docs/scale-out.md "Soak"):
//   dotnet RxSockets.Soak.dll [--duration 600] [--clients 1000] [--rate 10] [--history 2000]
//                             [--redis-down 2] [--node-down 2] [--log soak.log]
// starts redis-server and two nodes (this program with `node …`, see SoakNode), connects the
// clients, restarts Redis at 1/3 and node B at 2/3, checks every client's items and prints the
// figures as a markdown table. Exit code 0 when every check passed, 1 when one failed, 3 at the
// hard deadline (the duration plus 3 minutes; everything started is killed by PID first).
using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Soak;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "node")
        {
            return await SoakNode.RunAsync(args);
        }

        var options = new SoakOptions { Console = Console.WriteLine, LogPath = "soak.log" };
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--duration": options.Duration = Seconds(value); break;
                case "--clients": options.Clients = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rate": options.Rate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--history": options.History = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--redis-down": options.RedisDown = Seconds(value); break;
                case "--node-down": options.NodeDown = Seconds(value); break;
                case "--drain": options.Drain = Seconds(value); break;
                case "--log": options.LogPath = value; break;
                default:
                    Console.Error.WriteLine("usage: RxSockets.Soak [--duration S] [--clients N] [--rate R] [--history N] [--redis-down S] [--node-down S] [--drain S] [--log FILE]");
                    return 2;
            }
        }

        // A last resort behind the run's own deadline: whatever hangs, the process ends.
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine("watchdog: the soak overran its deadline by a minute; exiting");
            Environment.Exit(3);
        }, null, options.Duration + TimeSpan.FromMinutes(4), Timeout.InfiniteTimeSpan);
        try
        {
            SoakResult result = await SoakRun.RunAsync(options);
            Console.WriteLine();
            Console.WriteLine(result);
            return result.Failed ? 1 : 0;
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 3;
        }

        static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
    }
}
