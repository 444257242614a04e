using System;
using System.Collections.Generic;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using RxSockets.Testing;

namespace RxSockets.Tests;

/// <summary>
/// A server that can go down and come back, in virtual time: each <see cref="Start"/> is a new
/// <see cref="VirtualServer"/> on the same scheduler; <see cref="StopAsync"/> shuts it down as a
/// restart does (1001 to its clients) and from then on connections are refused (the client reads
/// the end of the stream during the handshake) until the next <see cref="Start"/>.
/// </summary>
internal sealed class VirtualSite : IAsyncDisposable
{
    private readonly TestScheduler _scheduler;
    private readonly Func<WebSocketConnection, IObservable<Message>> _handler;
    private readonly WebSocketServerOptions? _options;
    private readonly List<VirtualServer> _servers = [];
    private VirtualServer? _current;

    public VirtualSite(TestScheduler scheduler, Func<WebSocketConnection, IObservable<Message>> handler, WebSocketServerOptions? options = null)
    {
        _scheduler = scheduler;
        _handler = handler;
        _options = options;
    }

    /// <summary>Client settings for every attempt (keepalive off unless a test turns it on).</summary>
    public WebSocketClientOptions ClientOptions { get; set; } = new() { PingInterval = null };

    /// <summary>Called with each attempt's client before its handshake (to inject faults).</summary>
    public Action<VirtualClient>? Configure { get; set; }

    /// <summary>Virtual times of every connection attempt.</summary>
    public List<long> Attempts { get; } = [];

    /// <summary>The server that is up, if any.</summary>
    public VirtualServer? Current => _current;

    /// <summary>Every client of every server, in order.</summary>
    public IEnumerable<VirtualClient> Clients
    {
        get
        {
            foreach (VirtualServer server in _servers)
            {
                foreach (VirtualClient client in server.Clients)
                {
                    yield return client;
                }
            }
        }
    }

    /// <summary>The connect function for <see cref="WebSocketClient.Reconnecting(Func{CancellationToken, Task{WebSocketConnection}}, ReconnectOptions?)"/>.</summary>
    public Func<CancellationToken, Task<WebSocketConnection>> Connect => _ =>
    {
        Attempts.Add(_scheduler.Clock);
        VirtualServer server = _current ?? _servers[^1]; // a stopped server refuses, as a closed port does
        return server.ConnectAsync(options: ClientOptions, configure: Configure);
    };

    /// <summary>Brings a new server up now.</summary>
    public VirtualServer Start()
    {
        _current = VirtualServer.Start(_scheduler, _handler, _options);
        _servers.Add(_current);
        return _current;
    }

    /// <summary>Shuts the server down (1001 "server shutting down"); connections are refused until the next <see cref="Start"/>.</summary>
    public Task StopAsync()
    {
        VirtualServer server = _current ?? throw new InvalidOperationException("No server is up.");
        _current = null;
        return server.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (VirtualServer server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>A handler that greets each connection with the next letter (a, b, c…) and then echoes.</summary>
    public static Func<WebSocketConnection, IObservable<Message>> Greeter()
    {
        int next = 0;
        return ws => Observable.Return(Message.FromText(((char)('a' + next++)).ToString())).Concat(ws);
    }
}
