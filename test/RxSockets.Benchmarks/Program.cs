using BenchmarkDotNet.Running;

namespace RxSockets.Benchmarks;

/// <summary>
/// Runs the benchmarks of this assembly; pick them with BenchmarkDotNet's switches, e.g.
/// <c>dotnet run -c Release -- --filter '*Masking*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
