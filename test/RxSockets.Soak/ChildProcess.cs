using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Soak;

/// <summary>
/// A process the soak started (redis-server or a node): its output goes to the soak's log with a
/// name in front, it is ready when it prints a given line, and it is stopped by its PID.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly SoakLog _log;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyPrefix;
    private readonly Lock _gate = new();
    private readonly List<(string Prefix, TaskCompletionSource<string> Line)> _waits = [];
    private string? _lastStats;

    private ChildProcess(string name, Process process, SoakLog log, string readyPrefix)
    {
        Name = name;
        _process = process;
        _log = log;
        _readyPrefix = readyPrefix;
    }

    public string Name { get; }

    public int Pid { get; private set; }

    /// <summary>The newest <c>stats …</c> line of a node.</summary>
    public string? LastStats
    {
        get
        {
            lock (_gate)
            {
                return _lastStats;
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> and waits (at most <paramref name="timeout"/>) for a line containing <paramref name="readyPrefix"/>.</summary>
    public static async Task<ChildProcess> StartAsync(string name, string file, IEnumerable<string> args, SoakLog log, string readyPrefix, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var child = new ChildProcess(name, new Process { StartInfo = info }, log, readyPrefix);
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.Start();
        child.Pid = child._process.Id;
        log.Write($"{name}: started, pid {child.Pid}: {file} {string.Join(' ', info.ArgumentList)}");
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        try
        {
            await child._ready.Task.WaitAsync(timeout);
        }
        catch
        {
            child.Dispose();
            throw;
        }

        return child;
    }

    /// <summary>Sends a line to its stdin and waits for an output line starting with <paramref name="answerPrefix"/>.</summary>
    public async Task<string> AskAsync(string line, string answerPrefix, TimeSpan timeout)
    {
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waits.Add((answerPrefix, answer));
        }

        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        return await answer.Task.WaitAsync(timeout);
    }

    /// <summary>Its resident set size in MiB (from /proc), or null when it is gone.</summary>
    public double? RssMiB()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Kills it by PID (SIGKILL: no goodbye to anyone) and waits for it to exit.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
                _log.Write($"{Name}: killed, pid {Pid}");
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _ready.TrySetException(new InvalidOperationException($"{Name} exited before it was ready"));
            return;
        }

        _log.Write($"{Name}: {line}");
        if (line.Contains(_readyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line);
        }

        lock (_gate)
        {
            if (line.StartsWith("stats ", StringComparison.Ordinal))
            {
                _lastStats = line;
            }

            for (int i = _waits.Count - 1; i >= 0; i--)
            {
                if (line.StartsWith(_waits[i].Prefix, StringComparison.Ordinal))
                {
                    _waits[i].Line.TrySetResult(line);
                    _waits.RemoveAt(i);
                }
            }
        }
    }
}

/// <summary>The soak's log: one timestamped line each, to a file and (optionally) the console.</summary>
internal sealed class SoakLog : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StreamWriter? _file;
    private readonly Lock _gate = new();
    private readonly Action<string>? _console;

    public SoakLog(string? path, Action<string>? console)
    {
        if (path is not null)
        {
            _file = new StreamWriter(path, append: false) { AutoFlush = true };
        }

        _console = console;
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Write(string line)
    {
        string text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,8:0.000} s {line}");
        lock (_gate)
        {
            _file?.WriteLine(text);
        }
    }

    /// <summary>Writes to the log and the console.</summary>
    public void Say(string line)
    {
        Write(line);
        _console?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0} s] {line}"));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
        }
    }
}
