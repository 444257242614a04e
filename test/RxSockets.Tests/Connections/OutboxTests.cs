using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Connections;

/// <summary>
/// The ordering rule of the send side: every frame goes out in the order it was accepted,
/// whichever surface accepted it (SendAsync awaited or not, the sink, TrySend, a close), over a
/// transport whose senders write on their own thread (sockets) and one where they never do (pipes).
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class OutboxTests
{
    public enum Link
    {
        InMemory,
        Socket,
    }

    [Test]
    public async Task MixedSurfacesFromOneThread_GoOutInAcceptanceOrder([Values] Link link)
    {
        await using Ends ends = await Ends.CreateAsync(link);
        const int Count = 3000;
        Task<List<int>> receiving = ReceiveAllAsync(ends.Receiver); // reading while sending: a pipe holds only 64 KiB
        var pending = new List<Task>();
        for (int i = 0; i < Count; i++)
        {
            string text = Number(i);
            switch (i % 3)
            {
                case 0:
                    pending.Add(ends.Sender.SendAsync(text).AsTask());
                    break;
                case 1:
                    ends.Sender.OnNext(text);
                    break;
                default:
                    if (!ends.Sender.TrySend(new PreparedMessage(text)))
                    {
                        pending.Add(ends.Sender.SendAsync(text).AsTask()); // above the high-water mark: sent the waiting way
                    }

                    break;
            }
        }

        ends.Sender.OnCompleted(); // the close goes after all of them
        await Task.WhenAll(pending).WaitAsync(LocalServer.Wait);
        List<int> received = await receiving.WaitAsync(LocalServer.Wait);

        Assert.That(received, Is.EqualTo(Enumerable.Range(0, Count)));
    }

    [Test]
    public async Task ManyThreads_EachThreadsMessagesStayInItsOrder([Values] Link link)
    {
        await using Ends ends = await Ends.CreateAsync(link);
        const int Threads = 4;
        const int PerThread = 1000;
        Task<List<int>> receiving = ReceiveAllAsync(ends.Receiver);
        Task[] senders = Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
        {
            var sends = new List<Task>(PerThread);
            for (int i = 0; i < PerThread; i++)
            {
                sends.Add(ends.Sender.SendAsync(Number((t * PerThread) + i)).AsTask());
            }

            await Task.WhenAll(sends);
        })).ToArray();
        await Task.WhenAll(senders).WaitAsync(LocalServer.Wait);
        ends.Sender.OnCompleted();

        List<int> received = await receiving.WaitAsync(LocalServer.Wait);

        Assert.That(received, Has.Count.EqualTo(Threads * PerThread));
        for (int t = 0; t < Threads; t++)
        {
            int[] mine = received.Where(n => n / PerThread == t).ToArray();
            Assert.That(mine, Is.EqualTo(Enumerable.Range(t * PerThread, PerThread)), $"thread {t}'s messages in its order");
        }
    }

    [Test]
    public async Task CloseAsync_AfterUnawaitedSends_ComesAfterThem([Values] Link link)
    {
        await using Ends ends = await Ends.CreateAsync(link);
        Task<List<int>> receiving = ReceiveAllAsync(ends.Receiver);
        for (int i = 0; i < 500; i++)
        {
            _ = ends.Sender.SendAsync(Number(i)).AsTask();
        }

        Task closed = ends.Sender.CloseAsync(RxSockets.CloseCode.NormalClosure, "done");
        List<int> received = await receiving.WaitAsync(LocalServer.Wait);
        await closed.WaitAsync(LocalServer.Wait);

        Assert.That(received, Is.EqualTo(Enumerable.Range(0, 500)));
        Assert.That(ends.Receiver.ClosedException?.Received?.Reason, Is.EqualTo("done"));
    }

    [Test]
    public async Task SendAsync_AfterClose_ThrowsConnectionClosed_AndSinkMessagesAreDropped([Values] Link link)
    {
        await using Ends ends = await Ends.CreateAsync(link);
        await ends.Sender.CloseAsync().WaitAsync(LocalServer.Wait);

        Assert.That(async () => await ends.Sender.SendAsync("late"), Throws.InstanceOf<ConnectionClosedException>());
        Assert.That(() => ends.Sender.OnNext("late"), Throws.Nothing);
        Assert.That(ends.Sender.TrySend(new PreparedMessage("late")), Is.False);
    }

    private static string Number(int i) => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + new string('.', 40);

    private static async Task<List<int>> ReceiveAllAsync(WebSocketConnection receiver)
    {
        await Task.Yield(); // the caller goes on sending
        var received = new List<int>();
        await foreach (Message message in receiver.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            received.Add(int.Parse(message.Text.AsSpan(0, 6), System.Globalization.CultureInfo.InvariantCulture));
        }

        return received;
    }

    /// <summary>A sending server end and a receiving client end, joined in memory or over a socket.</summary>
    private sealed class Ends : IAsyncDisposable
    {
        private readonly IAsyncDisposable? _owner;

        private Ends(WebSocketConnection sender, WebSocketConnection receiver, IAsyncDisposable? owner)
        {
            Sender = sender;
            Receiver = receiver;
            _owner = owner;
        }

        public WebSocketConnection Sender { get; }

        public WebSocketConnection Receiver { get; }

        public static async Task<Ends> CreateAsync(Link link)
        {
            if (link == Link.InMemory)
            {
                var pair = ConnectionPair.Create();
                return new Ends(pair.Server, pair.Client, pair);
            }

            var accepted = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            WebSocketServerOptions options = LocalServer.Options();
            options.PingInterval = null;
            WebSocketServer server = await WebSocketServer.StartAsync(async (ws, _) =>
            {
                accepted.SetResult(ws);
                await ws.Completion;
            }, options);
            WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri, new WebSocketClientOptions { PingInterval = null });
            return new Ends(await accepted.Task.WaitAsync(LocalServer.Wait), client, server);
        }

        public async ValueTask DisposeAsync()
        {
            Receiver.Abort();
            Sender.Abort();
            if (_owner is not null)
            {
                await _owner.DisposeAsync();
            }
        }
    }
}
