using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;
using RxSockets.Testing;

namespace RxSockets.Tests.Server;

/// <summary>
/// A server connection is in <see cref="WebSocketServer.Connections"/> and announced on
/// <see cref="WebSocketServer.Joined"/> just before its 101 response is written (so a client whose
/// <c>ConnectAsync</c> returned is reached by a broadcast). Whatever is sent to it in that window
/// (from a <c>Joined</c> observer, or a broadcast from another thread) must reach the wire after
/// the 101, never before it (RFC 6455 §4.1: frames only once the handshake is complete) — checked
/// byte for byte by raw socket clients (#15).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class HandshakeOrderTests
{
    /// <summary>The ways a <c>Joined</c> observer can send to the connection it was told about.</summary>
    public enum Send
    {
        /// <summary><see cref="WebSocketServer.Broadcast(Message)"/>: a small shared frame, sent straight to the socket when nothing is unsent.</summary>
        Broadcast,

        /// <summary><see cref="WebSocketServer.Broadcast(PreparedMessage)"/>.</summary>
        BroadcastPrepared,

        /// <summary><see cref="WebSocketConnection.TrySend(PreparedMessage)"/>.</summary>
        TrySend,

        /// <summary><see cref="WebSocketConnection.SendAsync(Message, CancellationToken)"/>: written on the caller's thread when nothing is queued.</summary>
        SendAsync,

        /// <summary>The sink's <see cref="WebSocketConnection.OnNext(Message)"/>.</summary>
        OnNext,

        /// <summary>A binary message of 64 KiB and more: its header is flushed and its payload sent from its own memory.</summary>
        LargeBinary,

        /// <summary><see cref="WebSocketConnection.CloseAsync"/>: the close frame goes through the drain.</summary>
        Close,
    }

    private const string Text = "hello";
    private const int LargeSize = 100_000;

    [TestCase(Send.Broadcast)]
    [TestCase(Send.BroadcastPrepared)]
    [TestCase(Send.TrySend)]
    [TestCase(Send.SendAsync)]
    [TestCase(Send.OnNext)]
    [TestCase(Send.LargeBinary)]
    [TestCase(Send.Close)]
    public async Task Joined_ObserverSends_TheFrameFollowsThe101(Send how)
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => Task.Delay(Timeout.Infinite, ct), Options());
        var sent = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable joined = server.Joined.Subscribe(ws =>
        {
            try
            {
                sent.TrySetResult(SendFrom(server, ws, how));
            }
            catch (Exception ex)
            {
                sent.TrySetException(ex);
            }
        });

        await using RawSocketPeer client = await RawSocketPeer.ConnectAsync(server.EndPoint); // the 101 came first

        await (await sent.Task.Within()).Within(); // accepted, and (for SendAsync) written
        AssertIsWhatWasSent(await client.ReadEventAsync(), how);
    }

    [Test]
    public async Task Joined_ObserverSendsThenAborts_TheSenderIsToldAndTheConnectionEnds()
    {
        // A message accepted while the 101 is not written yet is delivered or its sender is told:
        // here the connection is aborted before its 101 could go out.
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => Task.Delay(Timeout.Infinite, ct), Options());
        var sent = new TaskCompletionSource<(WebSocketConnection, Task)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable joined = server.Joined.Subscribe(ws =>
        {
            Task send = ws.SendAsync(Text).AsTask();
            ws.Abort();
            sent.TrySetResult((ws, send));
        });

        try
        {
            await using RawSocketPeer client = await RawSocketPeer.ConnectAsync(server.EndPoint);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The connection was aborted: the client may or may not have seen its 101 first.
        }

        (WebSocketConnection connection, Task send) = await sent.Task.Within();
        Assert.That(async () => await send.Within(), Throws.InstanceOf<ConnectionClosedException>());
        await connection.Completion.Within();
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test]
    public async Task Broadcast_FromAnotherHandlerWhileAHandshakeIsBetweenJoinedAnd101_FollowsThe101()
    {
        // The first connection's handler broadcasts while the second connection is registered and
        // its 101 not written yet: its Joined observer holds the session there until the broadcast returned.
        var secondJoined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var broadcastDone = new ManualResetEventSlim();
        var recipients = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        WebSocketServer? server = null;
        await using WebSocketServer started = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            if (ws.Path == "/first")
            {
                await secondJoined.Task.WaitAsync(ct);
                recipients.TrySetResult(server!.Broadcast("during the handshake"));
                broadcastDone.Set();
            }

            await Task.Delay(Timeout.Infinite, ct);
        }, Options());
        server = started;
        bool released = true;
        using IDisposable joined = server.Joined.Subscribe(ws =>
        {
            if (ws.Path == "/second")
            {
                secondJoined.TrySetResult();
                released = broadcastDone.Wait(Signals.Limit);
            }
        });

        await using RawSocketPeer first = await RawSocketPeer.ConnectAsync(server.EndPoint, path: "/first");
        await using RawSocketPeer second = await RawSocketPeer.ConnectAsync(server.EndPoint, path: "/second"); // the 101 came first

        Assert.That(released, Is.True, "the broadcast returned while the second handshake waited");
        Assert.That(await recipients.Task.Within(), Is.EqualTo(2), "the second connection was registered and got the message");
        Assert.That(Encoding.UTF8.GetString((await first.ReadEventAsync()).Payload), Is.EqualTo("during the handshake"));
        Assert.That(Encoding.UTF8.GetString((await second.ReadEventAsync()).Payload), Is.EqualTo("during the handshake"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Broadcast_RacingManyHandshakes_EveryClientGetsIts101First(bool prepared)
    {
        const int Clients = 50;
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => Task.Delay(Timeout.Infinite, ct), Options());
        var frame = new PreparedMessage("tick");
        using var stop = new CancellationTokenSource();
        long broadcasts = 0;
        Task publisher = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _ = prepared ? server.Broadcast(frame) : server.Broadcast("tick");
                Interlocked.Increment(ref broadcasts);
                Thread.Yield(); // the handshakes share two cores with this loop
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        RawSocketPeer[] clients = [];
        try
        {
            // Each ConnectAsync fails unless the first bytes it reads are its 101 response.
            clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => RawSocketPeer.ConnectAsync(server.EndPoint))).Within();

            // The publisher runs until every client has its first message: all of them well-formed frames after the 101.
            foreach (RawSocketPeer client in clients)
            {
                RawEvent e = await client.ReadEventAsync();
                Assert.That(e.Type, Is.EqualTo(ProtocolEventType.TextMessage));
                Assert.That(Encoding.UTF8.GetString(e.Payload), Is.EqualTo("tick"));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await publisher.Within();
            foreach (RawSocketPeer client in clients)
            {
                await client.DisposeAsync();
            }
        }

        Assert.That(Interlocked.Read(ref broadcasts), Is.Positive);
    }

    [TestCase(Send.SendAsync)]
    [TestCase(Send.Broadcast)]
    [TestCase(Send.Close)]
    public async Task RunAcceptedAsync_JoinedObserverSends_TheFrameFollowsThe101(Send how)
    {
        // A server without a listener (the seam RxSockets.Testing stands on): same session, over a pipe.
        await using WebSocketServer server = WebSocketServer.CreateUnbound((ws, ct) => Task.Delay(Timeout.Infinite, ct), new WebSocketServerOptions { PingInterval = null });
        var sent = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable joined = server.Joined.Subscribe(ws => sent.TrySetResult(SendFrom(server, ws, how)));
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();
        using var abandon = new CancellationTokenSource();
        Task session = server.RunAcceptedAsync(serverEnd, cancellationToken: abandon.Token);

        clientEnd.Output.Write(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        await clientEnd.Output.FlushAsync();
        await (await sent.Task.Within()).Within();

        // Read until the 101's head and one frame after it are there.
        var received = new List<byte>();
        RawEvent? e = null;
        while (e is null)
        {
            ReadResult read = await clientEnd.Input.ReadAsync().AsTask().Within();
            received.AddRange(read.Buffer.ToArray());
            clientEnd.Input.AdvanceTo(read.Buffer.End);
            byte[] all = received.ToArray();
            Assert.That(Encoding.Latin1.GetString(all, 0, Math.Min(all.Length, 13)), Is.EqualTo("HTTP/1.1 101 "[..Math.Min(all.Length, 13)]), "the 101 response comes first");
            int end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                using var parser = new ProtocolConnection(ConnectionSide.Client); // from the start each time more bytes came
                parser.ReceiveData(new ReadOnlySequence<byte>(all[(end + 4)..]), out _, out _);
                if (parser.TryReadEvent(out ProtocolEvent parsed))
                {
                    e = new RawEvent(parsed.Type, parsed.Payload.ToArray(), parsed.CloseStatus);
                }
            }

            Assert.That(read.IsCompleted && e is null, Is.False, "the server ended before a frame came");
        }

        AssertIsWhatWasSent(e.Value, how);
        await abandon.CancelAsync();
        await session.Within();
    }

    [Test]
    public async Task RunAcceptedAsync_The101CannotBeWritten_WhatTheJoinedObserverSentFailsAndTheConnectionEnds()
    {
        // A message accepted while the 101 is not written yet is delivered or its sender is told:
        // here writing the 101 fails, so the connection never starts.
        await using WebSocketServer server = WebSocketServer.CreateUnbound((ws, ct) => Task.Delay(Timeout.Infinite, ct), new WebSocketServerOptions { PingInterval = null });
        var sent = new TaskCompletionSource<(WebSocketConnection, Task)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var left = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable joined = server.Joined.Subscribe(ws => sent.TrySetResult((ws, ws.SendAsync(Text).AsTask())));
        using IDisposable leaving = server.Left.Subscribe(ws => left.TrySetResult(ws));
        (InMemoryDuplexPipe clientEnd, InMemoryDuplexPipe serverEnd) = InMemoryDuplexPipe.CreatePair();
        Task session = server.RunAcceptedAsync(new BrokenOutputPipe(serverEnd.Input));

        clientEnd.Output.Write(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        await clientEnd.Output.FlushAsync();

        (WebSocketConnection connection, Task send) = await sent.Task.Within();
        Assert.That(async () => await send.Within(), Throws.InstanceOf<ConnectionClosedException>());
        await connection.Completion.Within();
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(await left.Task.Within(), Is.SameAs(connection));
        await session.Within();
        Assert.That(server.Connections, Is.Empty);
    }

    private static WebSocketServerOptions Options()
    {
        WebSocketServerOptions options = LocalServer.Options();
        options.PingInterval = null; // no ping may come first
        return options;
    }

    /// <summary>Sends <see cref="Text"/> (or a large binary message, or a close) as <paramref name="how"/> says; returns what to wait for.</summary>
    private static Task SendFrom(WebSocketServer server, WebSocketConnection ws, Send how)
    {
        switch (how)
        {
            case Send.Broadcast:
                return server.Broadcast(Text) == 1 ? Task.CompletedTask : Task.FromException(new AssertionException("the broadcast did not reach the connection"));
            case Send.BroadcastPrepared:
                return server.Broadcast(new PreparedMessage(Text)) == 1 ? Task.CompletedTask : Task.FromException(new AssertionException("the broadcast did not reach the connection"));
            case Send.TrySend:
                return ws.TrySend(new PreparedMessage(Text)) ? Task.CompletedTask : Task.FromException(new AssertionException("TrySend refused"));
            case Send.SendAsync:
                return ws.SendAsync(Text).AsTask();
            case Send.OnNext:
                ws.OnNext(Text);
                return Task.CompletedTask;
            case Send.LargeBinary:
                return ws.SendAsync(Enumerable.Range(0, LargeSize).Select(i => (byte)i).ToArray()).AsTask();
            default:
                _ = ws.CloseAsync(CloseCode.NormalClosure, "bye");
                return Task.CompletedTask;
        }
    }

    /// <summary>A pipe whose output fails at the first flush, as a connection reset while the 101 is written.</summary>
    private sealed class BrokenOutputPipe(PipeReader input) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = new BrokenWriter();

        private sealed class BrokenWriter : PipeWriter
        {
            private readonly ArrayBufferWriter<byte> _buffer = new();

            public override void Advance(int bytes) => _buffer.Advance(bytes);

            public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

            public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

            public override void CancelPendingFlush()
            {
            }

            public override void Complete(Exception? exception = null)
            {
            }

            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
                ValueTask.FromException<FlushResult>(new System.IO.IOException("Connection reset by peer"));
        }
    }

    private static void AssertIsWhatWasSent(RawEvent e, Send how)
    {
        switch (how)
        {
            case Send.LargeBinary:
                Assert.That(e.Type, Is.EqualTo(ProtocolEventType.BinaryMessage));
                Assert.That(e.Payload, Is.EqualTo(Enumerable.Range(0, LargeSize).Select(i => (byte)i).ToArray()));
                break;
            case Send.Close:
                Assert.That(e.Type, Is.EqualTo(ProtocolEventType.Close));
                Assert.That(e.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "bye")));
                break;
            default:
                Assert.That(e.Type, Is.EqualTo(ProtocolEventType.TextMessage));
                Assert.That(Encoding.UTF8.GetString(e.Payload), Is.EqualTo(Text));
                break;
        }
    }
}
