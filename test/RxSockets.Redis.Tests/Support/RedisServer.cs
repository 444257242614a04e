using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Redis.Tests;

/// <summary>
/// Debian's redis-server, started on 127.0.0.1 and a free port without persistence
/// (<c>--save "" --appendonly no</c>: a restart loses everything, the worst case the backplane must
/// announce), stopped by PID. Ready when it prints "Ready to accept connections".
/// </summary>
internal sealed class RedisServer : IDisposable
{
    public const string Path = "/usr/bin/redis-server";

    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The running process's id (its CPU time is read from /proc by the fan-out smoke).</summary>
    public int? Pid => _process?.Id;

    /// <summary>Starts one, or ignores the test when redis-server is not installed (CI installs it: .ci/install-peers).</summary>
    public static async Task<RedisServer> StartAsync()
    {
        RequireInstalled();
        var server = new RedisServer(FreePort());
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Ignores the test when redis-server is not installed, fails it when CI=true (CI installs it: .ci/install-peers).</summary>
    public static void RequireInstalled()
    {
        if (!File.Exists(Path))
        {
            string install = $"{Path} is missing: apt-get install redis-server (or run .ci/install-peers)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail($"CI=true and a required peer is missing: {install}");
            }

            Assert.Ignore(install);
        }
    }

    /// <summary>A port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the process (SIGKILL: no goodbye to clients) and waits for it to exit.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts it again on the same port, empty.</summary>
    public Task RestartAsync()
    {
        Kill();
        return StartProcessAsync();
    }

    public void Dispose() => Kill();

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"redis-server exited: {output}"));
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
