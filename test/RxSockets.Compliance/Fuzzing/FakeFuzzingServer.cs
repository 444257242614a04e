using System;
using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Web;
using RxSockets.Protocol;

namespace RxSockets.Compliance.Fuzzing;

/// <summary>
/// A tiny stand-in for Autobahn's fuzzingserver, built on our own server, with three cases:
/// 1 sends a multi-byte text and a 70,000-byte binary message and checks the echoes; 2 fails its
/// handshake (400); 3 sends a message, reads its echo, then aborts the TCP connection.
/// </summary>
public sealed class FakeFuzzingServer : IAsyncDisposable
{
    /// <summary>The text case 1 sends.</summary>
    public const string Text = "fuzz ✓ ünïcode 🚀";

    private FakeFuzzingServer()
    {
    }

    /// <summary>The binary message case 1 sends (spans the 64-bit length encoding).</summary>
    public static byte[] Binary { get; } = Payloads.Binary(70_000);

    /// <summary>The running server.</summary>
    public WebSocketServer Server { get; private set; } = null!;

    /// <summary>Every request target, in arrival order (getCaseCount, runCase?..., updateReports?...).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Case number → whether the agent echoed what the case sent.</summary>
    public ConcurrentDictionary<int, bool> EchoedCorrectly { get; } = new();

    /// <summary>Whether case 1 ran with permessage-deflate negotiated.</summary>
    public bool? Case1Compressed { get; private set; }

    /// <summary>Starts the server on 127.0.0.1 and a free port.</summary>
    /// <param name="compression">permessage-deflate settings to accept, or null to decline it.</param>
    /// <returns>The server.</returns>
    public static async Task<FakeFuzzingServer> StartAsync(RxSockets.PerMessageDeflateOptions? compression = null)
    {
        var fake = new FakeFuzzingServer();
        fake.Server = await WebSocketServer.StartAsync(fake.HandleAsync, new WebSocketServerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            ProcessRequest = fake.ProcessRequestAsync,
            Compression = compression,
        });
        return fake;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private ValueTask<HandshakeResponse?> ProcessRequestAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request.Target);
        return ValueTask.FromResult(request.Path == "/runCase" && Query(request)["case"] == "2"
            ? HandshakeResponse.CreateError(400, "case 2 refuses the handshake")
            : null);
    }

    private async Task HandleAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        switch (ws.Path)
        {
            case "/getCaseCount":
                await ws.SendAsync("3", cancellationToken);
                break;
            case "/runCase" when Query(ws.Request!)["case"] == "1":
                Case1Compressed = ws.Compression is not null;
                await ws.SendAsync(Text, cancellationToken);
                await ws.SendAsync(Binary, cancellationToken);
                Message text = await ws.ReceiveAsync(cancellationToken);
                Message binary = await ws.ReceiveAsync(cancellationToken);
                EchoedCorrectly[1] = text == Message.FromText(Text) && binary.Type == MessageType.Binary && binary.Data.Span.SequenceEqual(Binary);
                break;
            case "/runCase" when Query(ws.Request!)["case"] == "3":
                await ws.SendAsync("then a broken connection", cancellationToken);
                EchoedCorrectly[3] = await ws.ReceiveTextAsync(cancellationToken) == "then a broken connection";
                ws.Abort();
                break;
            case "/updateReports":
                break;
            default:
                throw new WebSocketCloseException(CloseCode.PolicyViolation, $"unexpected {ws.Request?.Target}");
        }
    }

    private static NameValueCollection Query(HandshakeRequest request) => HttpUtility.ParseQueryString(request.Query);
}
