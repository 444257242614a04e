using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli;

/// <summary>The <c>rxsockets</c> entry point: standard input, output and error, Ctrl+C and SIGTERM cancel.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) =>
        RxSocketsCommand.RunAsync(args, Console.In, Console.Out, Console.Error, handleSignals: true, CancellationToken.None);
}
