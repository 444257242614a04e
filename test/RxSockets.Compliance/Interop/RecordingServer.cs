using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Compliance;

/// <summary>
/// Our server as the peers' clients see it: <c>/close</c> closes with <see cref="CloseCode"/> and
/// <see cref="CloseReason"/>; any other path echoes every message. It records what it received
/// and hands each connection to the test, which inspects <c>ClosedException</c> once it completes.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    /// <summary>The code our server closes <c>/close</c> connections with.</summary>
    public const CloseCode CloseCode = (CloseCode)4002;

    /// <summary>The reason our server closes <c>/close</c> connections with (multi-byte on purpose).</summary>
    public const string CloseReason = "server bye ✓";

    private readonly TaskCompletionSource<WebSocketConnection> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RecordingServer()
    {
    }

    /// <summary>The running server.</summary>
    public WebSocketServer Server { get; private set; } = null!;

    /// <summary>Every message received, in order, across connections.</summary>
    public ConcurrentQueue<Message> Received { get; } = new();

    /// <summary>Completes with the first connection once its handshake is done.</summary>
    public Task<WebSocketConnection> Opened => _opened.Task;

    /// <summary>
    /// Starts a server on 127.0.0.1 and a free port with subprotocols chat.v1 and chat.v2, on the
    /// library's defaults otherwise (1 MiB messages and frames), with permessage-deflate at its
    /// default settings when <paramref name="deflate"/> is true.
    /// </summary>
    /// <param name="deflate">Whether to accept permessage-deflate offers.</param>
    /// <returns>The server.</returns>
    public static async Task<RecordingServer> StartAsync(bool deflate = false)
    {
        var recording = new RecordingServer();
        recording.Server = await WebSocketServer.StartAsync(recording.HandleAsync, new WebSocketServerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            Subprotocols = ["chat.v1", "chat.v2"],
            Compression = deflate ? new PerMessageDeflateOptions() : null,
        });
        return recording;
    }

    /// <summary>The URI of <paramref name="path"/> on this server.</summary>
    /// <param name="path">For example "/echo".</param>
    /// <returns>The ws:// URI.</returns>
    public Uri UriFor(string path) => new(Server.Uri, path);

    /// <summary>The first connection, once it has closed.</summary>
    /// <returns>The closed connection; its <c>ClosedException</c> is set.</returns>
    public async Task<WebSocketConnection> FirstClosedAsync()
    {
        WebSocketConnection connection = await Opened.WaitAsync(PeerProcess.Timeout);
        await connection.Completion.WaitAsync(PeerProcess.Timeout);
        return connection;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private async Task HandleAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        _opened.TrySetResult(ws);
        try
        {
            if (ws.Path == "/close")
            {
                await ws.CloseAsync(CloseCode, CloseReason, cancellationToken);
                return;
            }

            await foreach (Message message in ws.ReadAllAsync(cancellationToken))
            {
                Received.Enqueue(message);
                await ws.SendAsync(message, cancellationToken);
            }
        }
        catch (ConnectionClosedException)
        {
            // A close code other than 1000/1001/1005: the test reads it from ClosedException.
        }
    }
}
