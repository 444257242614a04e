using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Cli.Tests;

/// <summary>
/// The tool as a user runs it: separate processes, with the real console's standard input and
/// output (which blocks on reads, unlike the in-process pipes), Ctrl+D and SIGTERM.
/// </summary>
[TestFixture]
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class ProcessTests
{
    [Test]
    public async Task Help_ListsTheThreeCommands()
    {
        using Process help = Start("--help");
        string text = await help.StandardOutput.ReadToEndAsync();
        await help.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(text, Does.Contain("connect").And.Contain("serve").And.Contain("bench"));
    }

    [Test]
    public async Task ServeAndConnect_LinesTypedAreEchoedThenCtrlDAndSigtermEndBoth()
    {
        using Process serve = Start("serve", "--port", "0");
        try
        {
            string? first = await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(first, Does.StartWith("Listening on ws://127.0.0.1:"));
            string uri = first!["Listening on ".Length..];

            using Process connect = Start("connect", uri);
            await connect.StandardInput.WriteLineAsync("hello from a process");
            await connect.StandardInput.WriteLineAsync("/ping");
            string? line;
            var seen = new System.Text.StringBuilder();
            while ((line = await connect.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null)
            {
                seen.AppendLine(line);
                if (line.StartsWith("Pong received", StringComparison.Ordinal))
                {
                    break;
                }
            }

            connect.StandardInput.Close(); // Ctrl+D
            seen.Append(await connect.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            await connect.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.That(seen.ToString(), Does.Contain("< hello from a process").And.Contain("1000"));
            Assert.That(connect.ExitCode, Is.EqualTo(ExitCodes.Success));

            // The shell's own kill: a machine without procps has no kill program.
            using (Process kill = Process.Start("sh", ["-c", $"kill -TERM {serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]))
            {
                await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }

            await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(serve.ExitCode, Is.EqualTo(ExitCodes.Success));
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Starts <c>dotnet RxSockets.Cli.dll ARGS</c> from this test's output folder, with redirected standard input and output.</summary>
    private static Process Start(params string[] args)
    {
        string folder = AppContext.BaseDirectory;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false, // inherited: the test log shows it
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add("exec");
        if (!File.Exists(Path.Combine(folder, "RxSockets.Cli.runtimeconfig.json")))
        {
            // The tool's dependencies are all in this folder too: borrow the test's runtime files.
            info.ArgumentList.Add("--runtimeconfig");
            info.ArgumentList.Add(Path.Combine(folder, "RxSockets.Cli.Tests.runtimeconfig.json"));
            info.ArgumentList.Add("--depsfile");
            info.ArgumentList.Add(Path.Combine(folder, "RxSockets.Cli.Tests.deps.json"));
        }

        info.ArgumentList.Add(Path.Combine(folder, "RxSockets.Cli.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
    }
}
