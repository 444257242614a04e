using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Issue 7's allocation target as a regression guard: a server connection over the socket
/// transport allocates at most the delivered message's own payload per echoed message, whichever
/// surface the handler uses. The client is a blocking raw socket sending pre-masked frames, so it
/// allocates nothing itself, and <see cref="GC.GetTotalAllocatedBytes(bool)"/> counts every
/// thread: the receive and send loops, the handler, the thread pool's work items. Over the
/// runtime's socket calls and over RxSockets' Linux poll threads.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class AllocationTests
{
    private const int PayloadSize = 64;
    private const int Window = 16;
    private const int FrameSize = 6 + PayloadSize; // FIN + binary, MASK + length, key, payload
    private const int EchoSize = 2 + PayloadSize;

    /// <summary>What one delivered 64-byte message may cost: its array (header and length included).</summary>
    private const int PayloadArrayBytes = 24 + PayloadSize;

    public enum Surface
    {
        ReadAllAsync,
        ReceivePooledAsync,
        Reactive,
    }

    [TestCase(Surface.ReadAllAsync, 1, false)]
    [TestCase(Surface.ReadAllAsync, Window, false)]
    [TestCase(Surface.ReceivePooledAsync, Window, false)]
    [TestCase(Surface.Reactive, 1, false)]
    [TestCase(Surface.Reactive, Window, false)]
    [TestCase(Surface.ReadAllAsync, 1, true)]
    [TestCase(Surface.ReceivePooledAsync, Window, true)]
    [TestCase(Surface.Reactive, Window, true)]
    public async Task EchoedMessage_AllocatesAtMostItsPayload(Surface surface, int window, bool polled)
    {
        SocketPoller? poller = polled ? SocketPoller.Next() : null;
        if (polled && poller is null)
        {
            Assert.Ignore("no poll threads on this system: the runtime's path is measured by the other cases");
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = 30_000,
            SendTimeout = 30_000,
        };
        client.Connect(listener.LocalEndPoint!);
        var server = new WebSocketConnection(new SocketTransport(listener.Accept(), poller, TimeProvider.System), ConnectionSide.Server, new WebSocketOptions { PingInterval = null }, null, null);
        server.Start();
        // On the thread pool, as the server runs handlers: NUnit's synchronization context would
        // otherwise take every continuation of the handler (a posted work item per wake-up).
        Task echo = Task.Run(() => Echo(server, surface));

        byte[] frames = new byte[window * FrameSize];
        for (int i = 0; i < window; i++)
        {
            frames[i * FrameSize] = 0x82;
            frames[(i * FrameSize) + 1] = 0x80 | PayloadSize; // a zero mask key: the payload is sent as it is
            frames[(i * FrameSize) + 6] = (byte)i;
        }

        byte[] echoes = new byte[window * EchoSize];

        void Batch()
        {
            client.Send(frames);
            int received = 0;
            while (received < echoes.Length)
            {
                int read = client.Receive(echoes, received, echoes.Length - received, SocketFlags.None);
                if (read == 0)
                {
                    Assert.Fail("the server closed the connection");
                }

                received += read;
            }
        }

        for (int i = 0; i < 4_000 / window; i++)
        {
            Batch(); // warm: pools, tiered code, the thread pool's threads
        }

        // The least of three rounds: the counter sees every thread of the process, and the test
        // host's own traffic now and then lands in one round.
        const int Messages = 8_000;
        double perMessage = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Messages / window; i++)
            {
                Batch();
            }

            perMessage = Math.Min(perMessage, (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Messages);
        }

        Assert.That(echoes[0], Is.EqualTo(0x82), "an unmasked binary frame came back");
        Assert.That(echoes[((window - 1) * EchoSize) + 2], Is.EqualTo(window - 1), "in order, with its payload");
        server.Abort();
        await echo.WaitAsync(LocalServer.Wait);

        // 8 bytes of slack per message (64 KB a round) for whatever else the process does meanwhile;
        // a per-batch object of 24 bytes or more with one message in flight, or of 128 bytes or
        // more with 16, shows in every round.
        Assert.That(perMessage, Is.LessThanOrEqualTo(PayloadArrayBytes + 8), $"bytes allocated per echoed {PayloadSize}-byte message ({surface}, {window} in flight, {(polled ? "poll thread" : "runtime sockets")})");
    }

    private static async Task Echo(WebSocketConnection server, Surface surface)
    {
        try
        {
            switch (surface)
            {
                case Surface.ReadAllAsync:
                    await foreach (Message message in server.ReadAllAsync())
                    {
                        await server.SendAsync(message);
                    }

                    break;
                case Surface.ReceivePooledAsync:
                    while (true)
                    {
                        using PooledMessage message = await server.ReceivePooledAsync();
                        await server.SendAsync(message.Message);
                    }

                case Surface.Reactive:
                    using (server.Subscribe(server))
                    {
                        await server.Completion;
                    }

                    break;
            }
        }
        catch (ConnectionClosedException)
        {
            // Aborted at the end of the test.
        }
    }
}
