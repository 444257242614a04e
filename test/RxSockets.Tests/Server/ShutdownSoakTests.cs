using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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

    [Test]
    public async Task GracefulShutdownMidStream_EveryCompletedSendArrivesInOrderOnce_AndClientsSee1001()
    {
        var received = new ConcurrentDictionary<int, List<int>>();
        WebSocketServer server = await WebSocketServer.StartAsync(async (ws, _) =>
        {
            // Drain until the close: the token is not used, so nothing queued is dropped at shutdown.
            await foreach (Message message in ws.ReadAllAsync(System.Threading.CancellationToken.None))
            {
                string[] parts = message.Text.Split(':');
                List<int> list = received.GetOrAdd(int.Parse(parts[0], CultureInfo.InvariantCulture), _ => []);
                lock (list)
                {
                    list.Add(int.Parse(parts[1], CultureInfo.InvariantCulture));
                }
            }
        }, new WebSocketServerOptions { PingInterval = null });

        WebSocketConnection[] clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null })));
        int[] completed = new int[Clients];
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int warm = 0;
        Task[] senders = clients.Select((client, index) => Task.Run(async () =>
        {
            for (int seq = 0; ; seq++)
            {
                try
                {
                    await client.SendAsync($"{index}:{seq}");
                }
                catch (ConnectionClosedException)
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
