using System;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Server connections driven by RxSockets' own Linux poll threads (<see cref="SocketPoller"/>,
/// <see cref="WebSocketServerOptions.UseSocketPoller"/>): edge-triggered events must never leave a
/// connection waiting for something the kernel already reported once.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class SocketPollerTests
{
    private static readonly TimeSpan s_wait = LocalServer.Wait;

    private static readonly byte[] s_upgrade = Encoding.ASCII.GetBytes(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    /// <summary>A masked text frame "hi" (mask key 0, so the payload reads as is).</summary>
    private static readonly byte[] s_hi = [0x81, 0x82, 0, 0, 0, 0, (byte)'h', (byte)'i'];

    [Test]
    public void OnLinux_ThePollerIsThere()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("no epoll here: the transport uses the runtime's socket calls");
        }

        Assert.That(SocketPoller.Next(), Is.Not.Null, "CI runs on Linux: the server tests there exercise the poller");
    }

    [Test]
    public void OnLinux_PollThreadsRunUnderSchedBatch()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("no poll threads here");
        }

        // Creating the group waits until each thread has set its policy (ThreadScheduling).
        Assert.That(SocketPoller.Next(), Is.Not.Null);
        int[] policies = Directory.GetDirectories("/proc/self/task")
            .Where(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == "RxSockets poll")
            .Select(task => SchedulingPolicy(File.ReadAllText(Path.Combine(task, "stat"))))
            .ToArray();
        Assert.That(policies, Is.Not.Empty, "poll threads in this process");
        Assert.That(policies, Is.All.EqualTo(ThreadScheduling.BatchPolicy), "SCHED_BATCH: a woken poll thread does not preempt the worker on its core");
    }

    [TestCase(false, TestName = "EndRightBehindData_Fin_TheConnectionEnds")]
    [TestCase(true, TestName = "EndRightBehindData_Reset_TheConnectionEnds")]
    public async Task EndRightBehindData_TheConnectionEnds(bool reset)
    {
        // The data and the end often come in one event (EPOLLIN with EPOLLRDHUP or EPOLLHUP). The
        // receive that returns the data does not consume the end, and no new edge reports it, so
        // the loop must look again before it waits. A loop that waits leaves the handler hanging.
        const int rounds = 25;
        int ended = 0;
        var allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                await ws.ReceiveTextAsync(ct);
                await ws.ReceiveAsync(ct); // the peer is gone: this must end
            }
            catch (ConnectionClosedException)
            {
            }
            finally
            {
                if (System.Threading.Interlocked.Increment(ref ended) == rounds)
                {
                    allEnded.TrySetResult();
                }
            }
        }, LocalServer.Options());

        for (int i = 0; i < rounds; i++)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server.EndPoint);
            await socket.SendAsync(s_upgrade);
            await ReadHeadAsync(socket);
            await socket.SendAsync(s_hi);
            if (reset)
            {
                socket.Close(0);
            }
            else
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }

        await allEnded.Task.WaitAsync(s_wait);
        Assert.That(ended, Is.EqualTo(rounds));
    }

    [Test]
    public async Task ManyConnectionsAtOnce_ThenManyOneAfterAnother_AllEcho()
    {
        // 150 at once grows the poller's table past its first 64 slots; 100 more one after another
        // reuse freed slots, whose late events must not reach the new sockets' loops.
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }, LocalServer.Options());

        WebSocketConnection[] clients = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => WebSocketClient.ConnectAsync(server.Uri)));
        string[] echoed = await Task.WhenAll(clients.Select(async (client, i) =>
        {
            await client.SendAsync($"at once {i}");
            return await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait);
        }));
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        Assert.That(echoed, Is.EqualTo(Enumerable.Range(0, 150).Select(i => $"at once {i}").ToArray()));

        for (int i = 0; i < 100; i++)
        {
            await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
            await client.SendAsync($"one by one {i}");
            Assert.That(await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait), Is.EqualTo($"one by one {i}"));
        }
    }

    /// <summary>Field 41 of /proc/[pid]/task/[tid]/stat; fields are counted after the parenthesized name, which may hold spaces.</summary>
    private static int SchedulingPolicy(string stat)
    {
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ReadHeadAsync(Socket socket)
    {
        var head = new StringBuilder();
        byte[] buffer = new byte[512];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer).WaitAsync(s_wait);
            if (read == 0)
            {
                throw new InvalidOperationException("the server closed before answering: " + head);
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.That(head.ToString(), Does.StartWith("HTTP/1.1 101"));
    }
}
