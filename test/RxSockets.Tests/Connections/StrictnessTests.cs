using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// What a strict peer checks: sends leave in call order, a server that shuts down under load
/// completes every closing handshake, and whatever arrived before a protocol violation is still
/// answered (echoed, ponged) before the close. Each violation case is written by a raw socket peer
/// in one write, so the connection reads the valid frames and the bad one together; both roles, on
/// the library's default options with permessage-deflate offered and accepted.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class StrictnessTests
{
    public enum Style
    {
        Async,
        Rx,
    }

    [Test]
    public async Task SendAsync_ManyUnawaitedAcrossTheHighWaterMark_ArriveInCallOrder()
    {
        const int count = 2000;
        var received = new TaskCompletionSource<List<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            var messages = new List<string>();
            for (int i = 0; i < count; i++)
            {
                messages.Add(await ws.ReceiveTextAsync(ct));
            }

            received.SetResult(messages);
        }, LocalServer.Options());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions());

        // 2,000 messages of ~100 bytes from one thread, none awaited before the last is sent:
        // far beyond the 32 KiB high-water mark, so most of them wait for room.
        string padding = new('x', 90);
        var sends = new List<Task>(count);
        for (int i = 0; i < count; i++)
        {
            sends.Add(client.SendAsync($"{i:D5} {padding}").AsTask());
        }

        await Task.WhenAll(sends).WaitAsync(LocalServer.Wait);
        List<string> messages = await received.Task.WaitAsync(LocalServer.Wait);

        int[] order = messages.Select(m => int.Parse(m[..5], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int[] misplaced = order.Where((n, i) => n != i).ToArray();
        Assert.That(misplaced, Is.Empty, () => $"{misplaced.Length} messages out of place, first at {Array.FindIndex(order, 0, i => order[i] != i)}: ... {string.Join(", ", order.SkipWhile((n, i) => n == i).Take(5))}");
    }

    [Test]
    public async Task StopAsync_BusyClientsWhoseHandlersStoppedReading_CompleteEveryClosingHandshakeWith1001()
    {
        const int clients = 50;

        // A close timeout far beyond the test's own limit: a handshake that never completes fails
        // the test instead of being hidden by the abort.
        var options = LocalServer.Options();
        options.CloseTimeout = TimeSpan.FromMinutes(10);
        options.MaxQueue = 1;
        var serverSide = new ConcurrentBag<WebSocketConnection>();
        var joined = new CountdownEvent(clients);
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            serverSide.Add(ws);
            joined.Signal();
            await Task.Delay(Timeout.Infinite, ct); // never reads
        }, options);

        var connections = new List<WebSocketConnection>();
        var producers = new List<Task>();
        for (int i = 0; i < clients; i++)
        {
            WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null, CloseTimeout = TimeSpan.FromMinutes(10) });
            connections.Add(client);
            producers.Add(KeepSendingAsync(client));
        }

        Assert.That(joined.Wait(LocalServer.Wait), Is.True);

        // Every server queue is full, so reading has stopped, before the server is disposed.
        await Task.WhenAll(serverSide.Select(ws => WaitUntilAsync(() => ws.IncomingCount >= 1)));
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        await Task.WhenAll(producers).WaitAsync(LocalServer.Wait);
        foreach (WebSocketConnection client in connections)
        {
            await client.Completion.WaitAsync(LocalServer.Wait);
            Assert.That(client.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.GoingAway), () => client.ClosedException!.ToString());
            Assert.That(client.ClosedException!.Sent?.Code, Is.EqualTo(CloseCode.GoingAway), "the client echoed the close");
        }

        foreach (WebSocketConnection ws in serverSide)
        {
            Assert.That(ws.ClosedException!.Sent?.Code, Is.EqualTo(CloseCode.GoingAway));
            Assert.That(ws.ClosedException!.Received?.Code, Is.EqualTo(CloseCode.GoingAway), "the server read on until the client's echo arrived: the handshake completed");
        }
    }

    [Test]
    public async Task StopAsync_HandlersThatReturnWhenCancelled_EveryClientSees1001()
    {
        const int clients = 30;
        var joined = new CountdownEvent(clients);
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            joined.Signal();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // a handler that treats cancellation as its normal end and returns
            }
        }, LocalServer.Options());

        WebSocketConnection[] connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null })));
        Assert.That(joined.Wait(LocalServer.Wait), Is.True);
        await server.DisposeAsync().AsTask().WaitAsync(LocalServer.Wait);

        foreach (WebSocketConnection client in connections)
        {
            await client.Completion.WaitAsync(LocalServer.Wait);
            Assert.That(client.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, "server shutting down")));
        }
    }

    [TestCaseSource(nameof(Violations))]
    public async Task Server_ValidFramesThenViolationInOneRead_AnswersTheValidOnesThenCloses(string name, Style style)
    {
        await using WebSocketServer server = style == Style.Async
            ? await WebSocketServer.StartAsync(EchoAsync, DefaultsWithCompression())
            : await WebSocketServer.StartAsync(ws => ws, DefaultsWithCompression());
        await using RawSocketPeer peer = await RawSocketPeer.ConnectAsync(server.EndPoint, "permessage-deflate");

        await AssertAnsweredThenClosedAsync(peer, name);
    }

    [TestCaseSource(nameof(Violations))]
    public async Task Client_ValidFramesThenViolationInOneRead_AnswersTheValidOnesThenCloses(string name, Style style)
    {
        using Socket listener = RawSocketPeer.Listen();
        var uri = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
        Task<RawSocketPeer> accepted = RawSocketPeer.AcceptAsync(listener);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(uri, new WebSocketClientOptions { Compression = new PerMessageDeflateOptions() });
        RawSocketPeer peer = await accepted;
        Task echo = style == Style.Async ? EchoAsync(client, CancellationToken.None) : Task.FromResult(client.Subscribe(client));

        await AssertAnsweredThenClosedAsync(peer, name);
        await peer.DisposeAsync(); // the raw peer never echoes the close: it drops TCP instead
        await echo.WaitAsync(LocalServer.Wait);
    }

    public static IEnumerable<TestCaseData> Violations()
    {
        foreach (string name in new[] { "rsv1+rsv3", "opcode 5", "opcode 13", "stray continuation", "ping then bad utf-8" })
        {
            foreach (Style style in Enum.GetValues<Style>())
            {
                yield return new TestCaseData(name, style).SetArgDisplayNames(name, style.ToString());
            }
        }
    }

    private static async Task AssertAnsweredThenClosedAsync(RawSocketPeer peer, string name)
    {
        (byte[][] frames, ProtocolEventType[] answers, CloseCode code) = name switch
        {
            "rsv1+rsv3" => (new[] { peer.Frame(Opcode.Text, "hello"u8), peer.Frame(Opcode.Text, "x"u8, rsv: 0b101) }, new[] { ProtocolEventType.TextMessage }, CloseCode.ProtocolError),
            "opcode 5" => (new[] { peer.Frame(Opcode.Text, "hello"u8), peer.Frame((Opcode)5, []) }, new[] { ProtocolEventType.TextMessage }, CloseCode.ProtocolError),
            "opcode 13" => (new[] { peer.Frame(Opcode.Text, "hello"u8), peer.Frame((Opcode)13, []) }, new[] { ProtocolEventType.TextMessage }, CloseCode.ProtocolError),
            "stray continuation" => (
                new[] { peer.Frame(Opcode.Text, "hel"u8, fin: false), peer.Frame(Opcode.Continuation, "lo"u8), peer.Frame(Opcode.Continuation, "x"u8) },
                new[] { ProtocolEventType.TextMessage },
                CloseCode.ProtocolError),
            "ping then bad utf-8" => (
                new[] { peer.Frame(Opcode.Text, "ok"u8, fin: false), peer.Frame(Opcode.Ping, "ping!"u8), peer.Frame(Opcode.Continuation, [0xed, 0xa0, 0x80]) },
                new[] { ProtocolEventType.Pong },
                CloseCode.InvalidPayloadData),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        await peer.SendAsync(frames);
        List<RawEvent> events = await peer.ReadUntilCloseAsync();

        Assert.That(events.Select(e => e.Type), Is.EqualTo(answers.Append(ProtocolEventType.Close)), () => string.Join(", ", events.Select(e => $"{e.Type} {System.Text.Encoding.UTF8.GetString(e.Payload)}")));
        Assert.That(System.Text.Encoding.UTF8.GetString(events[0].Payload), Is.EqualTo(answers[0] == ProtocolEventType.Pong ? "ping!" : "hello"));
        Assert.That(events[^1].CloseStatus.Code, Is.EqualTo(code));
    }

    private static WebSocketServerOptions DefaultsWithCompression() =>
        new() { Host = "127.0.0.1", Port = 0, Compression = new PerMessageDeflateOptions() };

    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (Message message in ws.ReadAllAsync(cancellationToken))
            {
                await ws.SendAsync(message, cancellationToken);
            }
        }
        catch (ConnectionClosedException)
        {
        }
    }

    private static async Task KeepSendingAsync(WebSocketConnection client)
    {
        byte[] payload = new byte[1024];
        try
        {
            while (true)
            {
                await client.SendAsync(payload);
            }
        }
        catch (ConnectionClosedException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(LocalServer.Wait);
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }
}
