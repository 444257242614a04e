using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;
using RxSockets.Testing;

namespace RxSockets.Tests.Server;

/// <summary>
/// A server without a listening socket (<see cref="WebSocketServer.CreateUnbound(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?)"/>),
/// handed byte streams accepted elsewhere through the public
/// <see cref="WebSocketServer.RunAcceptedAsync(IDuplexPipe, EndPoint?, EndPoint?, CancellationToken)"/>:
/// the seam RxSockets.Testing's virtual servers stand on, here on the thread pool and the system clock.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class UnboundServerTests
{
    private static readonly IPEndPoint s_peer = new(IPAddress.Parse("192.0.2.7"), 40000);

    [Test]
    public async Task RunAcceptedAsync_OverAnInMemoryPipe_RunsHandshakeRegistryAndHandler()
    {
        await using WebSocketServer server = WebSocketServer.CreateUnbound(ws => ws, new WebSocketServerOptions { PingInterval = null });
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();

        Task session = server.RunAcceptedAsync(serverEnd, remoteEndPoint: s_peer);
        await using WebSocketConnection client = await ConnectAsync(clientEnd, "/echo?x=1");

        await client.SendAsync("over a pipe");
        Assert.That(await client.ReceiveTextAsync().Within(), Is.EqualTo("over a pipe"));
        WebSocketConnection accepted = System.Linq.Enumerable.Single(server.Connections);
        Assert.That(accepted.Path, Is.EqualTo("/echo"));
        Assert.That(accepted.RemoteEndPoint, Is.EqualTo(s_peer));
        Assert.That(server.ActiveSessions, Is.EqualTo(1));

        await client.CloseAsync(CloseCode.NormalClosure, "done").Within();
        await session.Within();
        Assert.That(client.ClosedException!.IsNormal, Is.True);
        Assert.That(server.ActiveSessions, Is.Zero);
        Assert.That(server.Connections, Is.Empty);
    }

    [Test]
    public async Task RunAcceptedAsync_OverAUnixDomainSocketStream_RunsTheSessionWithTheSocketsEndPoints()
    {
        if (!Socket.OSSupportsUnixDomainSockets)
        {
            Assert.Ignore("no Unix domain sockets on this system");
        }

        string path = Path.Combine(Path.GetTempPath(), $"rxsockets-{Guid.NewGuid():N}.sock");
        try
        {
            await using WebSocketServer server = WebSocketServer.CreateUnbound(ws => ws, new WebSocketServerOptions { PingInterval = null });
            (Socket connecting, Socket accepted) = await SocketPairs.UnixAsync(path);

            Task session = server.RunAcceptedAsync(new NetworkStream(accepted, ownsSocket: true));
            var stream = new NetworkStream(connecting, ownsSocket: true);
            await using WebSocketConnection client = await ConnectAsync(new Duplex(PipeReader.Create(stream), PipeWriter.Create(stream)), "/unix");
            await client.SendAsync("over a unix socket");
            await client.SendAsync(new byte[70_000]);

            Assert.That(await client.ReceiveTextAsync().Within(), Is.EqualTo("over a unix socket"));
            Assert.That((await client.ReceiveAsync().Within()).Data.Length, Is.EqualTo(70_000));
            WebSocketConnection served = System.Linq.Enumerable.Single(server.Connections);
            Assert.That(served.Path, Is.EqualTo("/unix"));
            Assert.That(served.LocalEndPoint?.ToString(), Is.EqualTo(path), "the socket's own address, found under the network stream");

            await client.CloseAsync(CloseCode.NormalClosure, "done").Within();
            await session.Within();
            Assert.That(client.ClosedException!.IsNormal, Is.True);
            Assert.That(server.ActiveSessions, Is.Zero);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task RunAcceptedAsync_StreamThatCannotWrite_IsRefusedAtOnce()
    {
        await using WebSocketServer server = WebSocketServer.CreateUnbound(ws => ws);
        using var readOnly = new MemoryStream([], writable: false);

        Assert.Throws<ArgumentException>(() => server.RunAcceptedAsync(readOnly));
        Assert.That(server.ActiveSessions, Is.Zero);
    }

    [Test]
    public async Task RunAcceptedAsync_AfterStop_Answers503AndEnds()
    {
        WebSocketServer server = WebSocketServer.CreateUnbound((ws, ct) => Task.CompletedTask);
        await server.StopAsync().Within();
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();

        Task session = server.RunAcceptedAsync(serverEnd);

        await session.Within();
        string answer = await ReadToEndAsync(clientEnd.Input);
        Assert.That(answer, Does.StartWith("HTTP/1.1 503 "));
        Assert.That(server.ActiveSessions, Is.Zero);
    }

    [Test]
    public async Task RunAcceptedAsync_CancelledDuringTheHandshake_DropsItWithoutAnAnswer()
    {
        await using WebSocketServer server = WebSocketServer.CreateUnbound((ws, ct) => Task.CompletedTask);
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();
        using var cancel = new CancellationTokenSource();

        Task session = server.RunAcceptedAsync(serverEnd, cancellationToken: cancel.Token);
        await clientEnd.Output.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n")); // half a request
        Assert.That(session.IsCompleted, Is.False);
        await cancel.CancelAsync();

        await session.Within();
        Assert.That(await ReadToEndAsync(clientEnd.Input), Is.Empty);
        Assert.That(server.ActiveSessions, Is.Zero);
    }

    [Test]
    public async Task RunAcceptedAsync_CancelledOnceOpen_AbortsTheConnection()
    {
        var handlerEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = WebSocketServer.CreateUnbound(async (ws, ct) =>
        {
            try
            {
                await ws.Completion.WaitAsync(ct);
            }
            finally
            {
                handlerEnded.TrySetResult();
            }
        }, new WebSocketServerOptions { PingInterval = null });
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();
        using var cancel = new CancellationTokenSource();

        Task session = server.RunAcceptedAsync(serverEnd, cancellationToken: cancel.Token);
        await using WebSocketConnection client = await ConnectAsync(clientEnd, "/");
        WebSocketConnection accepted = System.Linq.Enumerable.Single(server.Connections);
        await cancel.CancelAsync();

        await session.Within();
        await handlerEnded.Task.Within();
        await client.Completion.Within();
        Assert.That(accepted.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(accepted.ClosedException!.Sent, Is.Null, "aborted: no close frame");
        Assert.That(client.ClosedException!.IsNormal, Is.False);
    }

    /// <summary>The client half of the opening handshake over <paramref name="pipe"/>, then a client connection over it.</summary>
    private static async Task<WebSocketConnection> ConnectAsync(IDuplexPipe pipe, string target)
    {
        var handshake = new ClientHandshake(new Uri(new Uri("ws://localhost/"), target));
        handshake.WriteRequest(pipe.Output);
        await pipe.Output.FlushAsync();
        var parser = new HttpMessageParser(ProtocolLimits.Default);
        while (true)
        {
            ReadResult read = await pipe.Input.ReadAsync().AsTask().Within();
            HttpParseResult parsed = parser.ParseResponse(read.Buffer, out SequencePosition consumed, out SequencePosition examined, out HandshakeResponse? response, out _);
            pipe.Input.AdvanceTo(consumed, examined);
            Assert.That(parsed, Is.Not.EqualTo(HttpParseResult.Error));
            if (parsed == HttpParseResult.Done)
            {
                ClientHandshakeResult result = handshake.ValidateResponse(response!);
                Assert.That(result.IsSuccess, Is.True, result.FailureReason);
                return WebSocketConnection.CreateFromPipe(pipe, ConnectionSide.Client, new WebSocketOptions { PingInterval = null }, new UpgradeResult { Request = handshake.CreateRequest(), Subprotocol = result.Subprotocol });
            }

            Assert.That(read.IsCompleted, Is.False, "the server closed during the handshake");
        }
    }

    /// <summary>Everything the other end writes until it completes its output.</summary>
    private static async Task<string> ReadToEndAsync(PipeReader input)
    {
        var text = new StringBuilder();
        while (true)
        {
            ReadResult read = await input.ReadAsync().AsTask().Within();
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                text.Append(Encoding.ASCII.GetString(segment.Span));
            }

            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return text.ToString();
            }
        }
    }
}
