using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>Nothing accepted is lost: a graceful shutdown in the middle of a stream of numbered messages.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class ShutdownSoakTests
{
    private const int Clients = 20;

    /// <summary>
    /// Messages a client may have sent that the server has not read yet. Without a bound, clients
    /// that send faster than the server reads pile up more than it can read within the close timeout,
    /// and the close then rightly aborts what is left: the test would measure the backlog, not the shutdown.
    /// </summary>
    private const int Window = 256;

    [Test]
    public async Task GracefulShutdownMidStream_EveryCompletedSendArrivesInOrderOnce_AndClientsSee1001()
    {
        var received = new ConcurrentDictionary<int, List<int>>();
        SemaphoreSlim[] credits = Enumerable.Range(0, Clients).Select(_ => new SemaphoreSlim(Window)).ToArray();
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, _) =>
        {
            // Drain until the close: the token is not used, so nothing queued is dropped at shutdown.
            await foreach (Message message in ws.ReadAllAsync(CancellationToken.None))
            {
                string[] parts = message.Text.Split(':');
                int client = int.Parse(parts[0], CultureInfo.InvariantCulture);
                List<int> list = received.GetOrAdd(client, _ => []);
                lock (list)
                {
                    list.Add(int.Parse(parts[1], CultureInfo.InvariantCulture));
                }

                credits[client].Release();
            }
        }, new WebSocketServerOptions { PingInterval = null });

        WebSocketConnection[] clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null })));
        int[] completed = new int[Clients];
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int warm = 0;
        Task[] senders = clients.Select((client, index) => Task.Run(async () =>
        {
            using var ended = new CancellationTokenSource();
            _ = client.Completion.ContinueWith(_ => ended.Cancel(), TaskScheduler.Default); // an aborted client waits for no credit
            for (int seq = 0; ; seq++)
            {
                try
                {
                    await credits[index].WaitAsync(ended.Token);
                    await client.SendAsync($"{index}:{seq}");
                }
                catch (Exception ex) when (ex is ConnectionClosedException or OperationCanceledException)
                {
                    return;
                }

                completed[index] = seq + 1;
                if (seq == 50 && System.Threading.Interlocked.Increment(ref warm) == Clients)
                {
                    warmedUp.TrySetResult();
                }
            }
        })).ToArray();

        await warmedUp.Task.WaitAsync(TimeSpan.FromSeconds(60));
        int[] completedBeforeClose = (int[])completed.Clone();
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(60));

        for (int i = 0; i < Clients; i++)
        {
            List<int> got = received[i];
            Assert.That(got, Is.EqualTo(Enumerable.Range(0, got.Count)), $"client {i}: in order, exactly once");
            Assert.That(got, Has.Count.GreaterThanOrEqualTo(completedBeforeClose[i]), $"client {i}: every send completed before the close arrived");
            Assert.That(got, Has.Count.LessThanOrEqualTo(completed[i] + 1), $"client {i}: nothing invented");
            await clients[i].Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(clients[i].ClosedException!.Received?.Code, Is.EqualTo(CloseCode.GoingAway), $"client {i} sees 1001");
            Assert.That(clients[i].ClosedException!.IsNormal, Is.True);
        }

        Assert.That(server.Connections, Is.Empty);
    }
}
