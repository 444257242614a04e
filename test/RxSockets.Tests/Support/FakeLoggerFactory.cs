using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace RxSockets.Tests;

/// <summary>A logger factory whose loggers all write to one <see cref="FakeLogCollector"/>.</summary>
internal sealed class FakeLoggerFactory(FakeLogCollector logs) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new FakeLogger(logs, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
