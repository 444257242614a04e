using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>The transport under a server connection in <see cref="EchoBenchmarks"/>.</summary>
public enum EchoTransport
{
    /// <summary><see cref="SocketTransport"/>: socket-native pipes, inline <c>SendAsync</c> (issue 7), over the runtime's asynchronous socket calls.</summary>
    Socket,

    /// <summary><see cref="SocketTransport"/> over RxSockets' Linux poll threads (<see cref="SocketPoller"/>): a server's default on Linux.</summary>
    Polled,

    /// <summary><see cref="StreamTransport"/>: <c>PipeReader/PipeWriter.Create(NetworkStream)</c>, queued sends (before issue 7).</summary>
    Stream,

    /// <summary><see cref="RxSockets.Testing.InMemoryDuplexPipe"/>: a client and a server connection joined by two pipes (no socket), as <see cref="WebSocketConnection.CreateFromPipe"/> runs them.</summary>
    InMemory,
}

/// <summary>
/// One 64-byte binary message echoed end to end by a server <see cref="WebSocketConnection"/>
/// running the async echo handler (<c>ReadAllAsync</c> → <c>SendAsync</c>), as the Echo example
/// does: over 127.0.0.1 with a raw client that sends pre-masked frames (socket transports), or
/// over an in-memory pipe pair with a client connection. <c>Window16</c> keeps 16 messages in
/// flight, which is where batching shows. Allocations count every thread. The raw client of the
/// socket transports allocates nothing itself (pooled async state machines, the socket's cached
/// operations), so there the column is the server's alone; the in-memory client is a connection
/// that allocates each received message too.
/// </summary>
[MemoryDiagnoser]
public class EchoBenchmarks : IDisposable
{
    private const int PayloadSize = 64;
    private const int Window = 16;

    private readonly byte[] _frames = new byte[Window * (6 + PayloadSize)];
    private readonly byte[] _echoes = new byte[Window * (2 + PayloadSize)];
    private Socket? _client;
    private WebSocketConnection _server = null!;
    private WebSocketConnection? _clientConnection;
    private Task _echo = Task.CompletedTask;
    private readonly Message _message = Message.FromBinary(new byte[PayloadSize]);

    [Params(EchoTransport.Socket, EchoTransport.Polled, EchoTransport.Stream, EchoTransport.InMemory)]
    public EchoTransport Transport { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new WebSocketOptions { PingInterval = null };
        if (Transport == EchoTransport.InMemory)
        {
            (RxSockets.Testing.InMemoryDuplexPipe client, RxSockets.Testing.InMemoryDuplexPipe server) = RxSockets.Testing.InMemoryDuplexPipe.CreatePair();
            _server = new WebSocketConnection(new DuplexPipeTransport(server, null, null, flushHandsOff: false), ConnectionSide.Server, options, null, null);
            _clientConnection = new WebSocketConnection(new DuplexPipeTransport(client, null, null, flushHandsOff: false), ConnectionSide.Client, options, null, null);
            _clientConnection.Start();
        }
        else
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _client.Connect(listener.LocalEndPoint!);
            Socket accepted = listener.Accept();
            ITransport transport = Transport switch
            {
                EchoTransport.Socket => new SocketTransport(accepted, null, TimeProvider.System),
                EchoTransport.Polled => new SocketTransport(accepted, SocketPoller.Next() ?? throw new PlatformNotSupportedException("no poll threads here (Linux only)"), TimeProvider.System),
                _ => StreamTransport.FromSocket(accepted),
            };
            _server = new WebSocketConnection(transport, ConnectionSide.Server, options, null, null);
            for (int i = 0; i < Window; i++)
            {
                // FIN + binary, MASK + 64, a zero mask key (the payload stays as it is), 64 zero bytes.
                _frames[i * (6 + PayloadSize)] = 0x82;
                _frames[(i * (6 + PayloadSize)) + 1] = 0x80 | PayloadSize;
            }
        }

        _server.Start();
        _echo = EchoAsync(_server);
    }

    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask EchoOne()
    {
        if (_clientConnection is { } client)
        {
            await client.SendAsync(_message);
            await client.ReceiveAsync();
            return;
        }

        await SendAndReceiveAsync(1);
    }

    [Benchmark(OperationsPerInvoke = Window)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask Window16()
    {
        if (_clientConnection is { } client)
        {
            for (int i = 0; i < Window; i++)
            {
                client.OnNext(_message);
            }

            for (int i = 0; i < Window; i++)
            {
                await client.ReceiveAsync();
            }

            return;
        }

        await SendAndReceiveAsync(Window);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _client?.Dispose();
        _clientConnection?.Abort();
        _server.Abort();
        _echo.Wait(TimeSpan.FromSeconds(5));
        GC.SuppressFinalize(this);
    }

    private static async Task EchoAsync(WebSocketConnection connection)
    {
        try
        {
            await foreach (Message message in connection.ReadAllAsync(CancellationToken.None))
            {
                await connection.SendAsync(message);
            }
        }
        catch (ConnectionClosedException)
        {
            // Aborted at cleanup.
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAndReceiveAsync(int count)
    {
        await _client!.SendAsync(_frames.AsMemory(0, count * (6 + PayloadSize)), SocketFlags.None);
        int expected = count * (2 + PayloadSize);
        int received = 0;
        while (received < expected)
        {
            received += await _client.ReceiveAsync(_echoes.AsMemory(received, expected - received), SocketFlags.None);
        }
    }
}
