using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using NUnit.Framework;

namespace RxSockets.Compliance;

/// <summary>
/// Finds the real peers (python websockets, Node ws, Chromium) and starts their scripts. A missing
/// peer skips its tests locally (<see cref="Assert.Ignore(string)"/>, with how to install it) and
/// fails them under CI (<c>CI=true</c>), so CI can never silently stop testing interop.
/// </summary>
public static class Peers
{
    /// <summary>Debian's python, not a pyenv one: python3-websockets installs into it.</summary>
    public const string PythonPath = "/usr/bin/python3";

    /// <summary>Debian's chromium package.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly Lazy<string?> s_python = new(() => Probe(PythonPath, "-c", "import websockets; print(websockets.__version__)"));
    private static readonly Lazy<string?> s_node = new(ProbeNode);
    private static readonly Lazy<string?> s_chromium = new(() => File.Exists(ChromiumPath) ? Probe(ChromiumPath, "--version") : null);

    /// <summary>test/RxSockets.Compliance in the source tree.</summary>
    public static string ProjectDirectory { get; } = typeof(Peers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ComplianceProjectDirectory").Value!;

    /// <summary>test/RxSockets.Compliance/peers: the scripts and the pinned node_modules.</summary>
    public static string Directory => Path.Combine(ProjectDirectory, "peers");

    /// <summary>Whether <c>CI</c> is <c>true</c> (or <c>1</c>): then a missing peer fails instead of skipping.</summary>
    public static bool IsCI => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The peer's version ("10.4", "8.23.0"), or skips/fails the test when it is missing.</summary>
    /// <param name="peer">The peer.</param>
    /// <returns>Its version.</returns>
    public static string Require(PeerKind peer) => peer switch
    {
        PeerKind.Python => s_python.Value ?? Missing($"python websockets is not importable by {PythonPath}: apt-get install python3-websockets (or run .ci/install-peers)"),
        PeerKind.Node => s_node.Value ?? Missing($"Node ws is not installed: run 'npm ci' in {Directory} with node on PATH (or run .ci/install-peers)"),
        _ => throw new ArgumentOutOfRangeException(nameof(peer)),
    };

    /// <summary>Chromium's version line, or skips/fails the test when it is missing.</summary>
    /// <returns>For example "Chromium 156.0.8078.79 built on Debian ...".</returns>
    public static string RequireChromium() =>
        s_chromium.Value ?? Missing($"{ChromiumPath} is missing: apt-get install chromium (or run .ci/install-peers)");

    /// <summary>Checks that a program from a Debian package is installed, or skips/fails the test.</summary>
    /// <param name="path">The program, for example /usr/bin/tinyproxy.</param>
    /// <param name="package">The Debian package that installs it.</param>
    public static void RequireProgram(string path, string package)
    {
        if (!File.Exists(path))
        {
            Missing($"{path} is missing: apt-get install {package} (or run .ci/install-peers)");
        }
    }

    /// <summary>Starts the peer's echo/scenario server (peers/python_server.py or node_server.js) and waits for its ready line.</summary>
    /// <param name="peer">The peer.</param>
    /// <returns>The running server and its port.</returns>
    /// <param name="port">The port to listen on (the python server only); 0 for a free one.</param>
    public static async System.Threading.Tasks.Task<(PeerProcess Process, int Port)> StartServerAsync(PeerKind peer, int port = 0)
    {
        Require(peer);
        PeerProcess process = peer == PeerKind.Python
            ? PeerProcess.Start(PythonPath, ["python_server.py", "--lifetime", "120", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], Directory)
            : PeerProcess.Start("node", ["node_server.js", "--lifetime", "120"], Directory);
        try
        {
            JsonElement ready = await process.WaitForAsync(e => e.Is("event", "ready"));
            return (process, ready.GetProperty("port").GetInt32());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the peer's scripted client (peers/python_client.py or node_client.js).</summary>
    /// <param name="peer">The peer.</param>
    /// <param name="uri">Where to connect.</param>
    /// <param name="scenario">What to do (see the scripts' usage).</param>
    /// <param name="args">Scenario arguments.</param>
    /// <returns>The running client; it exits by itself.</returns>
    public static PeerProcess StartClient(PeerKind peer, Uri uri, string scenario, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Require(peer);
        List<string> all = [peer == PeerKind.Python ? "python_client.py" : "node_client.js", uri.AbsoluteUri, scenario, .. args];
        return PeerProcess.Start(peer == PeerKind.Python ? PythonPath : "node", all, Directory);
    }

    private static string Missing(string howToInstall)
    {
        if (IsCI)
        {
            Assert.Fail($"CI=true and a required interop peer is missing: {howToInstall}");
        }

        Assert.Ignore(howToInstall);
        return string.Empty; // not reached
    }

    private static string? ProbeNode()
    {
        string package = Path.Combine(Directory, "node_modules", "ws", "package.json");
        if (!File.Exists(package) || Probe("node", "--version") is null)
        {
            return null;
        }

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(package));
        return json.RootElement.GetProperty("version").GetString();
    }

    /// <summary>Runs a command and returns its first output line, or null when it cannot run or fails.</summary>
    private static string? Probe(string fileName, params string[] args)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(fileName, args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.Split('\n')[0].Trim() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            return null;
        }
    }
}
