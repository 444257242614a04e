using System;
using System.Reactive.Concurrency;
using System.Threading.Tasks;

namespace RxSockets.Testing;

/// <summary>
/// A client and a server <see cref="WebSocketConnection"/> joined in memory, running the real
/// engine (opening handshake, framing, masking, ping/pong, closing handshake, limits) with every
/// timer on a virtual-time scheduler (Microsoft.Reactive.Testing's <c>TestScheduler</c>).
/// Everything runs inline on the test's thread, so an exchange completes within the virtual
/// instant that started it: results are deterministic and take no wall time.
/// </summary>
/// <remarks>
/// <para>
/// The server end is accepted by a <see cref="WebSocketServer"/> of its own, after a real opening
/// handshake: <see cref="WebSocketConnection.Path"/>, the query and headers are what the client
/// asked for, and permessage-deflate and subprotocols are negotiated as over a socket. Use
/// <see cref="ClientToServer"/> and <see cref="ServerToClient"/> to inject faults. For several
/// clients of one server, a registry or shutdown, use <see cref="VirtualServer"/>.
/// </para>
/// <para>Not thread-safe: drive it from the test's thread.</para>
/// </remarks>
public sealed class VirtualConnectionPair : IAsyncDisposable
{
    private readonly VirtualServer _host;

    internal VirtualConnectionPair(WebSocketConnection client, WebSocketConnection server, LinkFaults clientToServer, LinkFaults serverToClient, VirtualServer host)
    {
        Client = client;
        Server = server;
        ClientToServer = clientToServer;
        ServerToClient = serverToClient;
        _host = host;
    }

    /// <summary>The client end (masks its frames).</summary>
    public WebSocketConnection Client { get; }

    /// <summary>The server end; its <see cref="WebSocketConnection.Request"/> is the client's handshake request.</summary>
    public WebSocketConnection Server { get; }

    /// <summary>Faults on the bytes the client sends.</summary>
    public LinkFaults ClientToServer { get; }

    /// <summary>Faults on the bytes the server sends.</summary>
    public LinkFaults ServerToClient { get; }

    /// <summary>Creates a pair on <paramref name="scheduler"/>'s clock and runs the opening handshake.</summary>
    /// <param name="scheduler">The virtual clock for keepalive, close and open timeouts: a <c>TestScheduler</c>, or any <see cref="VirtualTimeScheduler{TAbsolute, TRelative}"/> over ticks.</param>
    /// <param name="options">Connection settings for the server end, and for the client end unless <paramref name="clientOptions"/> is given (copied; the pair sets the clock and execution mode). A <see cref="WebSocketServerOptions"/> also sets the server's subprotocols, <c>ProcessRequest</c> and origins. <see langword="null"/> for defaults.</param>
    /// <param name="clientOptions">Settings for the client end only, when it must differ (for example without keepalive); a <see cref="WebSocketClientOptions"/> also sets the request's headers, origin and subprotocols.</param>
    /// <param name="pipeBuffer">Bytes each direction buffers before its writer waits (a small "socket buffer" makes backpressure visible).</param>
    /// <param name="path">The request target: path and query, for example <c>"/chat?room=1"</c>.</param>
    /// <returns>The started pair.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="HandshakeRejectedException">The server refused the handshake (for example from <c>ProcessRequest</c>).</exception>
    /// <exception cref="HandshakeException">The handshake failed otherwise (for example a subprotocol the client required was not chosen).</exception>
    public static VirtualConnectionPair Create(VirtualTimeScheduler<long, long> scheduler, WebSocketOptions? options = null, WebSocketOptions? clientOptions = null, long pipeBuffer = 64 * 1024, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(path);
        WebSocketConnection? serverEnd = null;
        VirtualServer host = VirtualServer.Create(scheduler, null, o => WebSocketServer.CreateUnbound((ws, _) =>
        {
            serverEnd = ws;
            return ws.Completion; // no handler: the test drives the server end
        }, o), options);

        VirtualClient client = host.Connect(string.Empty, path, clientOptions ?? options, null, null, null, pipeBuffer);
        if (!client.Connected.IsCompleted)
        {
            throw new InvalidOperationException("The opening handshake did not complete within the virtual instant that started it.");
        }

        WebSocketConnection clientEnd = client.Connected.GetAwaiter().GetResult(); // the handshake's own exception when it failed
        return new VirtualConnectionPair(clientEnd, serverEnd ?? throw new InvalidOperationException("The server accepted no connection."), client.ClientToServer, client.ServerToClient, host);
    }

    /// <summary>Aborts both ends.</summary>
    /// <returns>A task that completes when both ends are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        await Task.WhenAll(Client.Completion, Server.Completion).ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
    }
}
