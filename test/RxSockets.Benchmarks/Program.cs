using BenchmarkDotNet.Running;

namespace RxSockets.Benchmarks;

/// <summary>
/// Runs the benchmarks of this assembly; pick them with BenchmarkDotNet's switches, e.g.
/// <c>dotnet run -c Release -- --filter '*Masking*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--deflate-memory"])
        {
            DeflateMemoryReport.Run(); // permessage-deflate memory per connection (docs/architecture.md)
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
