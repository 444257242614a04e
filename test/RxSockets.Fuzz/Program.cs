using System;
using System.Diagnostics;

namespace RxSockets.Fuzz;

/// <summary>
/// dotnet run -c Release --project test/RxSockets.Fuzz -- [frames|deflate|handshake|all] [iterations] [first-seed]
/// Prints progress and the seed of the first failure (replay it with the same seed).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string target = args.Length > 0 ? args[0] : "all";
        int iterations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        int first = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < iterations; i++)
            {
                int seed = first + i;
                if (target is "frames" or "all")
                {
                    FrameFuzzer.Run(seed);
                }

                if (target is "deflate" or "all")
                {
                    FrameFuzzer.Run(seed, deflate: true);
                }

                if (target is "handshake" or "all")
                {
                    HandshakeFuzzer.Run(seed);
                }

                if ((i + 1) % 100_000 == 0)
                {
                    Console.WriteLine($"{i + 1} iterations, {clock.Elapsed.TotalSeconds:0} s");
                }
            }
        }
        catch (FuzzFailureException failure)
        {
            Console.Error.WriteLine(failure);
            return 1;
        }

        Console.WriteLine($"{target}: {iterations} iterations from seed {first}, no failure ({clock.Elapsed.TotalSeconds:0.0} s)");
        return 0;
    }
}
