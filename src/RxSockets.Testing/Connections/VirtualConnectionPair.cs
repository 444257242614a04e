using System;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Testing;

/// <summary>
/// A client and a server <see cref="WebSocketConnection"/> joined in memory, running the real
/// engine (framing, masking, ping/pong, closing handshake, limits) with every timer on a
/// <see cref="TestScheduler"/>. Everything runs inline on the test's thread, so an exchange
/// completes within the virtual instant that started it: results are deterministic and take no
/// wall time.
/// </summary>
/// <remarks>
/// Use <see cref="ClientToServer"/> and <see cref="ServerToClient"/> to inject faults. When both
/// ends' options set <see cref="WebSocketOptions.Compression"/>, permessage-deflate is agreed as a
/// handshake would agree it.
/// Not thread-safe: drive it from the test's thread.
/// </remarks>
public sealed class VirtualConnectionPair : IAsyncDisposable
{
    private VirtualConnectionPair(WebSocketConnection client, WebSocketConnection server, LinkFaults clientToServer, LinkFaults serverToClient)
    {
        Client = client;
        Server = server;
        ClientToServer = clientToServer;
        ServerToClient = serverToClient;
    }

    /// <summary>The client end (masks its frames).</summary>
    public WebSocketConnection Client { get; }

    /// <summary>The server end.</summary>
    public WebSocketConnection Server { get; }

    /// <summary>Faults on the bytes the client sends.</summary>
    public LinkFaults ClientToServer { get; }

    /// <summary>Faults on the bytes the server sends.</summary>
    public LinkFaults ServerToClient { get; }

    /// <summary>Creates and starts a pair on <paramref name="scheduler"/>'s clock.</summary>
    /// <param name="scheduler">The virtual clock for keepalive, close and open timeouts.</param>
    /// <param name="options">Connection settings for the server end, and for the client end unless <paramref name="clientOptions"/> is given (copied; the pair sets the clock and execution mode). <see langword="null"/> for defaults.</param>
    /// <param name="clientOptions">Settings for the client end only, when it must differ (for example without keepalive).</param>
    /// <param name="pipeBuffer">Bytes each direction buffers before its writer waits (a small "socket buffer" makes backpressure visible).</param>
    /// <returns>The started pair.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> is null.</exception>
    public static VirtualConnectionPair Create(TestScheduler scheduler, WebSocketOptions? options = null, WebSocketOptions? clientOptions = null, long pipeBuffer = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        WebSocketOptions serverSettings = Prepare(options, scheduler);
        WebSocketOptions clientSettings = clientOptions is null ? serverSettings : Prepare(clientOptions, scheduler);

        InMemoryTransport clientEnd = InMemoryTransport.CreateEnd(pipeBuffer, inline: true);
        InMemoryTransport serverEnd = InMemoryTransport.CreateEnd(pipeBuffer, inline: true);
        var clientToServer = new VirtualLink(clientEnd.PeerInput, serverEnd.PeerOutput, scheduler);
        var serverToClient = new VirtualLink(serverEnd.PeerInput, clientEnd.PeerOutput, scheduler);
        (PerMessageDeflate? clientDeflate, PerMessageDeflate? serverDeflate) = NegotiateCompression(clientSettings, serverSettings);
        var client = new WebSocketConnection(clientEnd, ConnectionSide.Client, clientSettings, null, null, clientDeflate);
        var server = new WebSocketConnection(serverEnd, ConnectionSide.Server, serverSettings, null, null, serverDeflate);
        clientToServer.Start();
        serverToClient.Start();
        server.Start();
        client.Start();
        return new VirtualConnectionPair(client, server, clientToServer.Faults, serverToClient.Faults);
    }

    /// <summary>permessage-deflate as a real handshake would agree it: the client offers, the server accepts, the client checks the answer.</summary>
    private static (PerMessageDeflate? Client, PerMessageDeflate? Server) NegotiateCompression(WebSocketOptions client, WebSocketOptions server)
    {
        if (client.Compression is null || server.Compression is null || !PerMessageDeflate.IsSupported)
        {
            return (null, null);
        }

        ExtensionOffer offer = PerMessageDeflate.CreateOffer(client.Compression);
        if (!PerMessageDeflate.TryAccept([offer], server.Compression, out PerMessageDeflate? serverSide, out ExtensionOffer? response)
            || !PerMessageDeflate.TryAcceptResponse(response!, client.Compression, out PerMessageDeflate? clientSide, out _))
        {
            return (null, null);
        }

        return (clientSide, serverSide);
    }

    private static WebSocketOptions Prepare(WebSocketOptions? options, TestScheduler scheduler)
    {
        WebSocketOptions settings = (options ?? new WebSocketOptions()).CloneConnectionOptions();
        settings.TimeProvider = scheduler.TimeProvider;
        settings.Execution = InlineExecution.Instance;
        settings.Validate();
        return settings;
    }

    /// <summary>Aborts both ends.</summary>
    /// <returns>A task that completes when both ends are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        await Task.WhenAll(Client.Completion, Server.Completion).ConfigureAwait(false);
    }
}
