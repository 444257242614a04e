using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>How the server's handler runner closes a connection when the handler ends.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class HandlerRunnerTests
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
        Task run = HandlerRunner.RunAsync(pair.Server, async (ws, ct) =>
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

        Assert.That(pair.Client.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, HandlerRunner.ShutdownReason)));
        Assert.That(HandlerRunner.ShutdownReason, Is.EqualTo("server shutting down"));
    }

    [Test]
    public async Task RunAsync_ConnectionClosedUnderTheHandler_DoesNotSendTheShutdownReason()
    {
        await using var pair = ConnectionPair.Create();
        Task run = HandlerRunner.RunAsync(pair.Server, async (ws, ct) =>
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
}
