// Echo: a WebSocket echo server for tools, fuzzers and the Autobahn testsuite.
//   dotnet run --project examples/Echo -c Release -- --host 127.0.0.1 --port 9001
// Echoes every text and binary message unchanged on any path, answers pings, accepts messages
// up to 16 MiB, prints one line with ws://HOST:PORT/ once it accepts, and exits on SIGINT/SIGTERM.
// --rx echoes through the Rx surface instead (the handler returns the incoming stream), for
// test/RxSockets.LoadTool/compare.sh; the default is the async style. --metrics listens to the
// RxSockets meter in-process as dotnet-counters does (MetricsListener), to weigh what metrics cost.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using RxSockets;

namespace Echo;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string host = "127.0.0.1";
        int port = 9001;
        bool rx = false;
        bool metrics = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--host" when i + 1 < args.Length:
                    host = args[++i];
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out int p):
                    port = p;
                    i++;
                    break;
                case "--rx":
                    rx = true;
                    break;
                case "--metrics":
                    metrics = true;
                    break;
                default:
                    Console.Error.WriteLine("usage: Echo [--host ADDRESS] [--port PORT] [--rx] [--metrics]");
                    return 2;
            }
        }

        using MetricsListener? listener = metrics ? new MetricsListener() : null;
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using WebSocketServer server = rx ? await StartRxAsync(host, port) : await StartAsync(host, port);
        Console.WriteLine($"Echo server listening on {server.Uri}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("Echo server stopping");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down gracefully ourselves
            stop.Cancel();
        }
    }

    /// <summary>
    /// Starts the echo server. The async style gives end-to-end backpressure: a client that sends
    /// faster than it reads makes the server stop reading, instead of queueing without bound.
    /// </summary>
    public static Task<WebSocketServer> StartAsync(string host, int port) =>
        WebSocketServer.StartAsync(EchoAsync, Options(host, port));

    /// <summary>
    /// Starts the echo server in the Rx style: the handler returns the incoming stream, which the
    /// server sends back. The sink cannot wait, so a client that sends much faster than it reads
    /// meets the sink's overflow policy (1011) instead of TCP backpressure.
    /// </summary>
    public static Task<WebSocketServer> StartRxAsync(string host, int port) =>
        WebSocketServer.StartAsync(ws => ws, Options(host, port));

    private static WebSocketServerOptions Options(string host, int port) => new()
    {
        Host = host,
        Port = port,
        Limits = new ProtocolLimits { MaxMessageSize = 16 * 1024 * 1024, MaxFrameSize = 16 * 1024 * 1024, MaxFragments = 0 },
    };

    /// <summary>
    /// Echoes until the peer closes: the ConnectionClosedException that ends the loop tells the
    /// server the connection is over, which is not a handler error (python websockets' pattern).
    /// Messages are received pooled: a large binary message is sent back from the memory it
    /// arrived in, and that memory serves the next one, so echoing megabytes costs no fresh arrays.
    /// </summary>
    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        while (true)
        {
            using PooledMessage received = await ws.ReceivePooledAsync(cancellationToken);
            await ws.SendAsync(received.Message, cancellationToken);
        }
    }
}
