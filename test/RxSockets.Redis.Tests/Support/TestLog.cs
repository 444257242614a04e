using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace RxSockets.Redis.Tests;

/// <summary>
/// Collects what the nodes log during one test (Debug and up), so a failing test prints what each
/// node's backplane and hub did; a passing test prints nothing.
/// </summary>
internal sealed class TestLog
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _nodes;

    /// <summary>The log of the running test (tests of this assembly do not run in parallel).</summary>
    public static TestLog Current { get; private set; } = new();

    /// <summary>Starts a log for the next test.</summary>
    public static void Start() => Current = new TestLog();

    /// <summary>A logger factory for the next node: A, B, C, … in order of start.</summary>
    public ILoggerFactory NextNode() => new Named(this, ((char)('A' + System.Threading.Interlocked.Increment(ref _nodes) - 1)).ToString());

    /// <summary>Prints the lines when the current test failed.</summary>
    public void WriteIfFailed()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (string line in _lines)
            {
                TestContext.Out.WriteLine(line);
            }
        }
    }

    /// <summary>A node's logger factory: its loggers prefix each line with the node's letter.</summary>
    private sealed class Named(TestLog log, string node) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, node, categoryName);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private sealed class Logger(TestLog log, string node, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string name = category[(category.LastIndexOf('.') + 1)..];
            log._lines.Enqueue($"{log._clock.Elapsed.TotalMilliseconds,8:0.0} ms {node} {logLevel} {name}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
