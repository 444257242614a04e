using System;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>How the handler runner every server uses closes a connection when the handler ends.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class WebSocketHandlerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task RunAsync_ServerStoppingAndHandlerWatchingItsToken_Closes1001WithTheShutdownReason()
    {
        // Found with real peers (python websockets, Node ws): at shutdown, a handler that returns as
        // soon as its token is cancelled usually beats the server's own 1001 "server shutting down",
        // and closed with 1001 and no reason, so what clients saw depended on timing.
        await using var pair = ConnectionPair.Create();
        using var stopping = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task run = WebSocketHandler.RunAsync(pair.Server, async (ws, ct) =>
        {
            started.SetResult();
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }, NullLogger.Instance, stopping.Token);
        await started.Task.WaitAsync(s_wait);

        await stopping.CancelAsync();
        await run.WaitAsync(s_wait);
        await pair.Client.Completion.WaitAsync(s_wait);

        Assert.That(pair.Client.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, WebSocketHandler.ShutdownReason)));
        Assert.That(WebSocketHandler.ShutdownReason, Is.EqualTo("server shutting down"));
    }

    [Test]
    public async Task RunAsync_ConnectionClosedUnderTheHandler_DoesNotSendTheShutdownReason()
    {
        await using var pair = ConnectionPair.Create();
        Task run = WebSocketHandler.RunAsync(pair.Server, async (ws, ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }, NullLogger.Instance, CancellationToken.None);

        await pair.Client.CloseAsync((CloseCode)4001, "bye").WaitAsync(s_wait);
        await run.WaitAsync(s_wait);

        Assert.That(pair.Server.ClosedException!.Sent, Is.EqualTo(new CloseStatus((CloseCode)4001, "bye")), "the echo, not a 1001");
    }

    [Test]
    public async Task RunAsync_OnAConnectionOfYourOwnOverAStream_ClosesAsAServerAndLogsAFailureToTheConnectionsLogger([Values] bool throws)
    {
        // A host that accepts connections itself (here a TCP pair and CreateFromStream) gets the
        // standalone server's rules from the public runner.
        (Socket connecting, Socket accepted) = await SocketPairs.TcpAsync();
        var logs = new FakeLogCollector();
        var serverOptions = new WebSocketOptions { PingInterval = null, LoggerFactory = new FakeLoggerFactory(logs) };
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(new NetworkStream(accepted, ownsSocket: true), ConnectionSide.Server, serverOptions);
        await using WebSocketConnection client = WebSocketConnection.CreateFromStream(new NetworkStream(connecting, ownsSocket: true), ConnectionSide.Client, ConnectionPair.NoKeepAlive());

        Task run = WebSocketHandler.RunAsync(server, async (ws, ct) =>
        {
            Message first = await ws.ReceiveAsync(ct);
            if (throws)
            {
                throw new InvalidOperationException("a handler bug: " + first.Text);
            }

            await ws.SendAsync("got " + first.Text, ct);
        });
        await client.SendAsync("hello");
        if (!throws)
        {
            Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Text, Is.EqualTo("got hello"));
        }

        await run.WaitAsync(s_wait);
        await client.Completion.WaitAsync(s_wait);

        FakeLogRecord[] errors = logs.GetSnapshot().Where(r => r.Level == LogLevel.Error).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.ClosedException!.Received, Is.EqualTo(throws ? new CloseStatus(CloseCode.InternalError, string.Empty) : new CloseStatus(CloseCode.NormalClosure, string.Empty)), "1011 without details, or 1000");
            Assert.That(errors.Select(r => r.Exception?.Message), Is.EqualTo(throws ? new[] { "a handler bug: hello" } : Array.Empty<string>()));
        }
    }

    [Test]
    public void RunAsync_And_FromRx_NullArguments_Throw()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => WebSocketHandler.RunAsync(null!, (_, _) => Task.CompletedTask), Throws.ArgumentNullException);
            Assert.That(() => WebSocketHandler.FromRx(null!), Throws.ArgumentNullException);
        }
    }
}
