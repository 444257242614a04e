using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// User code never runs inside the socket transport's loops: what the receive loop parses is handed
/// to handlers, observers and awaiting callers through the thread pool, and a sender waiting for
/// room resumes there too. That is what makes the runtime's
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> (loops on the runtime's I/O threads) safe
/// for a dedicated RxSockets server (README, "Tuning a dedicated server"). Checked the direct
/// way: the stack of every user callback must not contain a transport or connection loop.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class CompletionThreadTests
{
    private static readonly string[] s_loops =
    [
        "ReceiveLoopAsync", // SocketTransport: socket → input pipe, and (inline reader) the connection's read loop
        "SendLoopAsync", // SocketTransport: output pipe → socket
        "ReadLoopAsync", // WebSocketConnection: input pipe → engine → incoming queue
        "SocketPoller.Run", // Linux: RxSockets' own epoll thread, which resumes the two loops above inline
    ];

    private readonly ConcurrentQueue<string> _violations = new();
    private int _checks;

    /// <summary>Records where <paramref name="callback"/> ran if a loop is on its stack.</summary>
    private void Check(string callback)
    {
        Interlocked.Increment(ref _checks);
        string stack = new StackTrace().ToString();
        foreach (string loop in s_loops)
        {
            if (stack.Contains(loop, StringComparison.Ordinal))
            {
                _violations.Enqueue($"{callback} ran inside {loop}:\n{stack}");
            }
        }
    }

    private void AssertNoViolations(int leastChecks)
    {
        Assert.That(_checks, Is.GreaterThanOrEqualTo(leastChecks), "the callbacks ran");
        Assert.That(_violations, Is.Empty);
    }

    [SetUp]
    public void Reset()
    {
        _violations.Clear();
        _checks = 0;
    }

    [Test]
    public async Task AsyncHandler_ProcessRequestAndJoined_RunOffTheLoops()
    {
        WebSocketServerOptions options = LocalServer.Options();
        options.ProcessRequest = (_, _) =>
        {
            Check("ProcessRequest");
            return ValueTask.FromResult<HandshakeResponse?>(null);
        };
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            Check("handler start");
            Message first = await ws.ReceiveAsync(ct);
            Check("after ReceiveAsync");
            using (PooledMessage second = await ws.ReceivePooledAsync(ct))
            {
                Check("after ReceivePooledAsync");
            }

            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                Check("in ReadAllAsync");
                await ws.SendAsync(message, ct);
                Check("after SendAsync");
            }
        }, options);
        using IDisposable joined = server.Joined.Subscribe(_ => Check("Joined"));
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        for (int i = 0; i < 50; i++)
        {
            await client.SendAsync(Message.FromBinary(new byte[100 + i]));
        }

        for (int i = 0; i < 48; i++)
        {
            Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(LocalServer.Wait)).Data.Length, Is.EqualTo(102 + i));
        }

        AssertNoViolations(leastChecks: 1 + 1 + 3 + (48 * 2));
    }

    [Test]
    public async Task RxHandler_ObserversRunOffTheLoops()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            ws => ws.Do(_ => Check("OnNext")).Select(m => m), LocalServer.Options());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        Task<Message[]> echoes = client.Take(40).ToArray().ToTask();

        for (int i = 0; i < 40; i++)
        {
            client.OnNext(Message.FromText(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Message[] received = await echoes.WaitAsync(LocalServer.Wait);
        Assert.That(received.Select(m => m.Text), Is.EqualTo(Enumerable.Range(0, 40).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        AssertNoViolations(leastChecks: 40);
    }

    [Test]
    public async Task SenderWaitingForRoom_ResumesOffTheSendLoop()
    {
        // First 48 KiB messages, which go through the 64 KiB output pipe, to a client that does not
        // read until one of them has to wait for room (the kernel's buffers fill first); then
        // 256 KiB ones, which are sent straight from their memory (each waits for the send loop to
        // hand every byte to the kernel). Both kinds of wait must resume the sender off the loops.
        const int MostSmall = 2000; // 96 MiB: far more than loopback's socket buffers hold
        const int Large = 8;
        int small = 0;
        int largeWaited = 0;
        var pipeWaited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            byte[] smallPayload = new byte[48 * 1024];
            while (!pipeWaited.Task.IsCompleted && small < MostSmall)
            {
                ValueTask send = ws.SendAsync(smallPayload, ct);
                small++;
                if (!send.IsCompleted)
                {
                    pipeWaited.SetResult(); // the client starts reading
                }

                await send;
                Check("after a SendAsync through the pipe");
            }

            byte[] largePayload = new byte[256 * 1024];
            for (int i = 0; i < Large; i++)
            {
                ValueTask send = ws.SendAsync(largePayload, ct);
                if (!send.IsCompleted)
                {
                    largeWaited++;
                }

                await send;
                Check("after a direct SendAsync");
            }

            await ws.SendAsync("end", ct);
            await ws.ReceiveAsync(ct); // until the client closes
        }, LocalServer.Options());
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, LocalServer.ClientOptions());

        await pipeWaited.Task.WaitAsync(LocalServer.Wait);
        int received = 0;
        while ((await client.ReceiveAsync().AsTask().WaitAsync(LocalServer.Wait)).Type == MessageType.Binary)
        {
            received++;
        }

        Assert.That(received, Is.EqualTo(small + Large), "every message arrived before the end marker");
        Assert.That(small, Is.LessThan(MostSmall), "a send through the pipe had to wait");
        Assert.That(largeWaited, Is.GreaterThan(0), "a direct send had to wait");
        AssertNoViolations(leastChecks: small + Large);
    }
}
