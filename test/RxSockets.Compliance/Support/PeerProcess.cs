using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Compliance;

/// <summary>
/// A peer script run as a child process that reports one JSON object per stdout line. Always
/// stopped through this object: <see cref="DisposeAsync"/> closes its stdin (the peers exit on
/// EOF) and kills it if it is still running.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    /// <summary>How long any single wait on a peer may take; generous for a loaded 2-core machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _seen = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdout;
    private bool _disposed;

    private PeerProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _stdout = Task.Run(ReadStdoutAsync);
    }

    /// <summary>What the peer wrote on stderr so far, for failure messages.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Every event read so far, in order.</summary>
    public IReadOnlyList<JsonElement> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <returns>The running peer.</returns>
    public static PeerProcess Start(string fileName, IEnumerable<string> args, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return new PeerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}."));
    }

    /// <summary>Waits for the next event that matches <paramref name="predicate"/>, skipping others.</summary>
    /// <param name="predicate">What to wait for.</param>
    /// <returns>The event.</returns>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (await _events.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_events.Reader.TryRead(out JsonElement e))
                {
                    if (predicate(e))
                    {
                        return e;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"The peer sent no expected event within {Timeout.TotalSeconds} s.{Describe()}");
        }

        await _stdout;
        Assert.Fail($"The peer exited (code {ExitCodeOrNull()}) without the expected event.{Describe()}");
        return default;
    }

    /// <summary>Waits until the peer exits by itself and returns everything it reported.</summary>
    /// <returns>The events, in order.</returns>
    public async Task<IReadOnlyList<JsonElement>> WaitForExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(Timeout);
            await _stdout.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The peer did not exit within {Timeout.TotalSeconds} s.{Describe()}");
        }

        Assert.That(_process.ExitCode, Is.Zero, $"the peer's exit code{Describe()}");
        return Seen;
    }

    /// <summary>Closes stdin (the peers exit on EOF), then kills the process if it is still running. Idempotent.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is System.IO.IOException or InvalidOperationException)
        {
            // Already exited.
        }

        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            // It did not stop by itself.
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }

    /// <summary>The events and stderr so far, appended to failure messages.</summary>
    /// <returns>A multi-line description.</returns>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("\n--- peer events:");
        foreach (JsonElement e in Seen)
        {
            text.Append("\n  ").Append(e.GetRawText());
        }

        string stderr = Stderr;
        if (stderr.Length > 0)
        {
            text.Append("\n--- peer stderr:\n").Append(stderr.Length > 4000 ? stderr[^4000..] : stderr);
        }

        return text.ToString();
    }

    private string ExitCodeOrNull() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            JsonElement e;
            try
            {
                using JsonDocument json = JsonDocument.Parse(line);
                e = json.RootElement.Clone();
            }
            catch (JsonException)
            {
                e = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["event"] = "stdout", ["line"] = line });
            }

            lock (_seen)
            {
                _seen.Add(e);
            }

            _events.Writer.TryWrite(e);
        }

        _events.Writer.TryComplete();
    }
}
