using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace RxSockets;

/// <summary>
/// The standalone <see cref="WebSocketServer"/> run by the Generic Host (registered by
/// <c>services.AddWebSocketServer(...)</c>): started with the host, with options from the options
/// pattern (validated when the host starts), the host's <see cref="ILoggerFactory"/> and
/// <c>IMeterFactory</c>; stopped with it, gracefully: new handshakes get 503, open connections are
/// closed with 1001, and what has not closed when the host's shutdown timeout ends is aborted.
/// </summary>
/// <remarks>Resolve it from the container to reach the running <see cref="Server"/> (its address, <c>Broadcast</c>, <c>Connections</c>). Thread-safe.</remarks>
public sealed class WebSocketServerService : IHostedService, IAsyncDisposable
{
    private readonly Func<WebSocketConnection, CancellationToken, Task> _handler;
    private readonly IOptionsMonitor<WebSocketServerOptions> _options;
    private readonly string _name;
    private readonly ILogger _logger;
    private WebSocketServer? _server;

    /// <summary>Creates the service; the host starts it.</summary>
    /// <param name="name">The options' name (<see cref="Options.DefaultName"/> for the unnamed server).</param>
    /// <param name="handler">The connection handler.</param>
    /// <param name="options">Where the options come from.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public WebSocketServerService(string name, Func<WebSocketConnection, CancellationToken, Task> handler, IOptionsMonitor<WebSocketServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _handler = handler;
        _options = options;
        _logger = options.Get(name).LoggerFactory?.CreateLogger<WebSocketServerService>() ?? NullLogger<WebSocketServerService>.Instance;
    }

    /// <summary>The running server, or <see langword="null"/> before the host started it.</summary>
    public WebSocketServer? Server => Volatile.Read(ref _server);

    /// <summary>Starts listening with the current options.</summary>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>A task that completes when the server listens.</returns>
    /// <exception cref="InvalidOperationException">The service was started already.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("The WebSocket server was started already.");
        }

        WebSocketServer server = await WebSocketServer.StartAsync(_handler, _options.Get(_name), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _server, server);
        Log.HostedServerListening(_logger, server.EndPoint);
    }

    /// <summary>
    /// Stops the server gracefully (see the class remarks); when <paramref name="cancellationToken"/>
    /// is cancelled (the host's shutdown timeout), connections still open are aborted.
    /// </summary>
    /// <param name="cancellationToken">The host's shutdown deadline.</param>
    /// <returns>A task that completes when every connection is closed.</returns>
    public Task StopAsync(CancellationToken cancellationToken) => Server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Stops the server if it runs.</summary>
    /// <returns>A task that completes when it stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
