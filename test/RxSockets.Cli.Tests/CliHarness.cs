using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipes;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli.Tests;

/// <summary>
/// Runs one <c>rxsockets</c> command in-process: standard input is a real OS pipe (so the command
/// reads it exactly as it reads a terminal or a shell pipe), standard output and error are
/// <see cref="LineWriter"/>s that tests wait on.
/// </summary>
public sealed class CliHarness : IAsyncDisposable
{
    private readonly AnonymousPipeServerStream _stdinWrite = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _stdinRead;
    private readonly StreamWriter _stdin;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _stop = new();

    private CliHarness(string[] args)
    {
        _stdinRead = new AnonymousPipeClientStream(PipeDirection.In, _stdinWrite.ClientSafePipeHandle);
        _stdin = new StreamWriter(_stdinWrite, new UTF8Encoding(false)) { AutoFlush = true };
        _reader = new StreamReader(_stdinRead, Encoding.UTF8);
        Exit = Task.Run(() => RxSocketsCommand.RunAsync(args, _reader, Output, Error, handleSignals: false, _stop.Token));
    }

    /// <summary>What the command prints on standard output.</summary>
    public LineWriter Output { get; } = new();

    /// <summary>What the command prints on standard error.</summary>
    public LineWriter Error { get; } = new();

    /// <summary>The command's exit code, once it ends.</summary>
    public Task<int> Exit { get; }

    /// <summary>Starts <c>rxsockets ARGS</c>.</summary>
    public static CliHarness Start(params string[] args) => new(args);

    /// <summary>Runs <c>rxsockets ARGS</c> with empty input to the end.</summary>
    public static async Task<(int Code, LineWriter Output, LineWriter Error)> RunAsync(params string[] args)
    {
        await using CliHarness cli = Start(args);
        cli.CloseInput();
        int code = await cli.Exit.WaitAsync(TimeSpan.FromSeconds(60));
        return (code, cli.Output, cli.Error);
    }

    /// <summary>Types one line on standard input.</summary>
    public Task WriteLineAsync(string line) => _stdin.WriteLineAsync(line);

    /// <summary>Ends standard input (Ctrl+D).</summary>
    public void CloseInput() => _stdin.Dispose();

    /// <summary>Cancels the command (Ctrl+C).</summary>
    public Task InterruptAsync() => _stop.CancelAsync();

    /// <summary>Waits for the exit code, with a generous bound.</summary>
    public Task<int> WaitForExitAsync() => Exit.WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        CloseInput();
        await _stop.CancelAsync();
        try
        {
            await Exit.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _reader.Dispose();
        _stdinRead.Dispose();
        _stop.Dispose();
    }
}

/// <summary>A <see cref="TextWriter"/> that keeps whole lines and lets a test wait for one.</summary>
public sealed class LineWriter : TextWriter
{
    private readonly object _lock = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _current = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The complete lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Everything written so far, complete lines and the one being written.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                return string.Join("\n", _lines) + (_lines.Count > 0 ? "\n" : "") + _current;
            }
        }
    }

    public override void Write(char value)
    {
        TaskCompletionSource? changed = null;
        lock (_lock)
        {
            if (value == '\n')
            {
                _lines.Add(_current.ToString().TrimEnd('\r'));
                _current.Clear();
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _current.Append(value);
            }
        }

        changed?.TrySetResult();
    }

    /// <summary>Waits (30 s at most) for a line that satisfies <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match) => (await WaitForLinesAsync(match, 1))[0];

    /// <summary>Waits (30 s at most) for <paramref name="count"/> lines that satisfy <paramref name="match"/> and returns them.</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(Func<string, bool> match, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                List<string> found = _lines.FindAll(line => match(line));
                if (found.Count >= count)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching line in 30 s. Output so far:\n{Text}");
            }
        }
    }

    /// <summary>Waits for a line that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text) => WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal));
}
