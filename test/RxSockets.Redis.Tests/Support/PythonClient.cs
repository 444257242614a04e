using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Channels;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Redis.Tests;

/// <summary>peers/resume_client.py under Debian's python3 with python3-websockets: one JSON line per server message.</summary>
internal sealed class PythonClient : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private PythonClient(Process process) => _process = process;

    public static PythonClient Start(string topic, long last, params Uri[] urls)
    {
        if (!File.Exists(Python) || !Probe())
        {
            string install = $"python websockets is not importable by {Python}: apt-get install python3-websockets (or run .ci/install-peers)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail($"CI=true and a required peer is missing: {install}");
            }

            Assert.Ignore(install);
        }

        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(AppContext.BaseDirectory, "peers"),
        };
        foreach (string arg in new List<string> { "resume_client.py", "--topic", topic, "--last", last.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (Uri url in urls)
        {
            info.ArgumentList.Add(url.ToString());
        }

        var process = new Process { StartInfo = info };
        var client = new PythonClient(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                client._lines.Writer.TryComplete();
            }
            else
            {
                client._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                TestContext.Progress.WriteLine($"python: {e.Data}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>The next message it printed.</summary>
    public async Task<Envelope> NextAsync() => Envelope.Parse(await _lines.Reader.ReadAsync().AsTask().WaitAsync(Node.Wait));

    /// <summary>Waits for it to exit and returns its exit code.</summary>
    public async Task<int> ExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Node.Wait);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private static bool Probe()
    {
        using Process? probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import websockets"]) { UseShellExecute = false, RedirectStandardError = true });
        probe!.WaitForExit();
        return probe.ExitCode == 0;
    }
}
