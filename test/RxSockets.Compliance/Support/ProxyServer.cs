using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Compliance;

/// <summary>
/// A real proxy from Debian run as a child process on 127.0.0.1 with a free port: tinyproxy (HTTP
/// <c>CONNECT</c>, Basic authentication), microsocks (SOCKS5, username/password) or nginx (a
/// reverse proxy in front of a server, docs/howto/nginx.md). Started with a
/// generated configuration, ready once it accepts TCP connections, stopped by its PID. A missing
/// program skips the test locally and fails it under <c>CI=true</c> (see <see cref="Peers"/>).
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    public const string TinyproxyPath = "/usr/bin/tinyproxy";
    public const string MicrosocksPath = "/usr/bin/microsocks";
    public const string NginxPath = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string? _directory;
    private readonly StringBuilder _output = new();

    private ProxyServer(Process process, int port, string? directory)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What it logged so far (tinyproxy logs each CONNECT), for assertions and failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts tinyproxy requiring <paramref name="user"/>:<paramref name="password"/> (Basic), or no authentication when null.</summary>
    public static async Task<ProxyServer> StartTinyproxyAsync(string? user = null, string? password = null)
    {
        Peers.RequireProgram(TinyproxyPath, "tinyproxy");
        int port = FreePort();
        string directory = Directory.CreateTempSubdirectory("rxsockets-tinyproxy-").FullName;
        string config = Path.Combine(directory, "tinyproxy.conf");
        var text = new StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Port {port}");
        text.AppendLine("Listen 127.0.0.1");
        text.AppendLine("Allow 127.0.0.1");
        text.AppendLine("Timeout 60");
        text.AppendLine("MaxClients 50");
        text.AppendLine("LogLevel Connect");
        if (user is not null)
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"BasicAuth {user} {password}");
        }

        await File.WriteAllTextAsync(config, text.ToString());
        return await StartAsync(TinyproxyPath, ["-d", "-c", config], port, directory);
    }

    /// <summary>Starts microsocks requiring <paramref name="user"/>:<paramref name="password"/>, or no authentication when null.</summary>
    public static Task<ProxyServer> StartMicrosocksAsync(string? user = null, string? password = null)
    {
        Peers.RequireProgram(MicrosocksPath, "microsocks");
        int port = FreePort();
        string[] args = user is null
            ? ["-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : ["-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", user, "-P", password!];
        return StartAsync(MicrosocksPath, args, port, null);
    }

    /// <summary>
    /// Starts nginx as a reverse proxy to <paramref name="upstreamPort"/> on 127.0.0.1 with the
    /// <paramref name="http"/> directives (the configuration of docs/howto/nginx.md without its TLS
    /// lines): one process (no master, no daemon), its files in a temporary prefix, logging to stderr.
    /// </summary>
    /// <param name="http">Directives for the http block; <c>UPSTREAM_PORT</c> and <c>LISTEN_PORT</c> are replaced.</param>
    /// <param name="upstreamPort">The RxSockets server's port.</param>
    public static async Task<ProxyServer> StartNginxAsync(string http, int upstreamPort)
    {
        Peers.RequireProgram(NginxPath, "nginx-light");
        int port = FreePort();
        string directory = Directory.CreateTempSubdirectory("rxsockets-nginx-").FullName;
        string config = Path.Combine(directory, "nginx.conf");
        string text = $$"""
            daemon off;
            master_process off;
            error_log stderr notice;
            pid {{directory}}/nginx.pid;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
            {{http.Replace("UPSTREAM_PORT", upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                 .Replace("LISTEN_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}}
            }
            """;
        await File.WriteAllTextAsync(config, text);
        return await StartAsync(NginxPath, ["-e", "stderr", "-p", directory, "-c", config], port, directory);
    }

    /// <summary>Kills it (by PID) and removes its configuration.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<ProxyServer> StartAsync(string program, string[] args, int port, string? directory)
    {
        var start = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var proxy = new ProxyServer(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}."), port, directory);
        try
        {
            await proxy.WaitUntilAcceptingAsync();
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ready is when a TCP connection to the port succeeds; bounded by <see cref="PeerProcess.Timeout"/>.</summary>
    private async Task WaitUntilAcceptingAsync()
    {
        using var timeout = new CancellationTokenSource(PeerProcess.Timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before listening:\n{Output}");
            }

            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token); // not listening yet: the process is starting
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
