using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Cli.Load;
using RxSockets.LoadTool;

namespace RxSockets.Tests;

/// <summary>
/// The CI smoke of the load tool (issue 7): its core runs for a couple of seconds against the
/// Echo example, in-process, and every echo must come back right. No timing is asserted: CI
/// machines are shared and noisy; docs/performance.md is where numbers live.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class LoadToolSmokeTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task Echo_UnderLoad_EchoesEveryMessageInOrder(bool rx)
    {
        await using WebSocketServer server = rx ? await Echo.Program.StartRxAsync("127.0.0.1", 0) : await Echo.Program.StartAsync("127.0.0.1", 0);

        LoadResult result = await LoadRunner.RunAsync(Options(server.EndPoint.Port, connections: 8, window: 8, size: 64), progress: null, CancellationToken.None);

        Assert.That(result.FirstError, Is.Null);
        Assert.That(result.Errors, Is.Zero);
        Assert.That(result.Messages, Is.GreaterThan(0));
        Assert.That(result.P50Microseconds, Is.GreaterThan(0));
        Assert.That(result.ServerCpuSecondsPerMillion, Is.Not.Null.And.GreaterThanOrEqualTo(0), "CPU time read from /proc");
        Assert.That(result.ToJson(), Does.StartWith("{\"server\":"));
    }

    [Test]
    public async Task Echo_LargeTextMessages_EchoUnchanged()
    {
        await using WebSocketServer server = await Echo.Program.StartAsync("127.0.0.1", 0);
        LoadOptions options = Options(server.EndPoint.Port, connections: 2, window: 2, size: 256 * 1024);
        options.Text = true;

        LoadResult result = await LoadRunner.RunAsync(options, progress: null, CancellationToken.None);

        Assert.That(result.FirstError, Is.Null);
        Assert.That(result.Messages, Is.GreaterThan(0));
    }

    [Test]
    public async Task Idle_OpensHoldsAndClosesConnections()
    {
        await using WebSocketServer server = await Echo.Program.StartAsync("127.0.0.1", 0);
        LoadOptions options = Options(server.EndPoint.Port, connections: 1, window: 1, size: 0);
        options.Idle = 50;
        options.IdleHold = TimeSpan.Zero;

        LoadResult result = await IdleRunner.RunAsync(options, progress: null, CancellationToken.None);

        Assert.That(result.FirstError, Is.Null);
        Assert.That(result.Connections, Is.EqualTo(50));
        Assert.That(result.HandshakeCpuMicroseconds, Is.Not.Null);
    }

    [Test]
    public async Task Reflector_ReturnsMaskedFramesThatTheToolAccepts()
    {
        using var stop = new CancellationTokenSource();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task reflector = Reflector.RunAsync(0, listening.SetResult, stop.Token);
        int port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

        LoadResult result = await LoadRunner.RunAsync(Options(port, connections: 4, window: 4, size: 1000), progress: null, CancellationToken.None);

        await stop.CancelAsync();
        await reflector.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(result.FirstError, Is.Null);
        Assert.That(result.Messages, Is.GreaterThan(0));
    }

    private static LoadOptions Options(int port, int connections, int window, int size) => new()
    {
        Port = port,
        Connections = connections,
        Window = window,
        Size = size,
        Warmup = TimeSpan.Zero,
        Duration = TimeSpan.FromSeconds(1),
        ServerPid = Environment.ProcessId,
        Progress = false,
    };
}
