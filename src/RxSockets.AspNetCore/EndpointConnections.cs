using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RxSockets;

/// <summary>
/// The connections open on an app's <c>MapWebSocket</c> endpoints, one registry per app: when the
/// app starts stopping (<see cref="IHostApplicationLifetime.ApplicationStopping"/>), new handshakes
/// get 503, handler tokens are cancelled and every open connection is closed with 1001, so Kestrel's
/// own drain (within the host's shutdown timeout) finds them closing.
/// </summary>
/// <remarks>Thread-safe.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the app's service provider; its token source has no timer, so there is nothing to release.")]
internal sealed class EndpointConnections
{
    /// <summary>The reason of the 1001 close at shutdown: the standalone server's.</summary>
    public const string ShutdownReason = "server shutting down";

    private static readonly ConditionalWeakTable<IServiceProvider, EndpointConnections> s_byApp = [];

    private readonly ConcurrentDictionary<WebSocketConnection, byte> _open = new();

    /// <summary>Cancelled when the app starts stopping.</summary>
    private readonly CancellationTokenSource _stopping = new();

    private EndpointConnections(IServiceProvider services)
    {
        IHostApplicationLifetime? lifetime = services.GetService<IHostApplicationLifetime>();
        lifetime?.ApplicationStopping.UnsafeRegister(static state => ((EndpointConnections)state!).Stop(), this);
    }

    /// <summary>Cancelled when the app starts stopping.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The registry of the app whose services these are.</summary>
    public static EndpointConnections For(IServiceProvider services) => s_byApp.GetValue(services, static s => new EndpointConnections(s));

    /// <summary>Registers an accepted connection; closes it at once if the app is already stopping.</summary>
    public void Add(WebSocketConnection connection)
    {
        _open.TryAdd(connection, 0);
        if (_stopping.IsCancellationRequested)
        {
            _ = connection.CloseAsync(CloseCode.GoingAway, ShutdownReason, CancellationToken.None);
        }
    }

    /// <summary>Forgets a connection whose handler ended.</summary>
    public void Remove(WebSocketConnection connection) => _open.TryRemove(connection, out _);

    private void Stop()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
            // A handler's registration threw; the connections still close below.
        }

        foreach (WebSocketConnection connection in _open.Keys)
        {
            _ = connection.CloseAsync(CloseCode.GoingAway, ShutdownReason, CancellationToken.None);
        }
    }
}
