using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;
using RxSockets.Testing;

namespace RxSockets.Tests.Connections;

/// <summary>
/// A peer that pings as fast as it can and never reads: the connection owes at most a fixed number
/// of pongs, stops reading once it cannot write them (TCP pushes back on the peer), and answers
/// every ping once the peer reads again. Deterministic: inline pipes and an inline execution, so
/// each write of the peer runs the connection until it waits.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
[Description("RFC 6455 §5.5.2, §5.5.3")]
public sealed class PingFloodTests
{
    private const int PipeBuffer = 4096;

    [Test]
    public async Task PingFloodWithoutReading_StopsReadingAfterABoundedAmount_ThenAnswersEveryPing([Values] ConnectionSide side)
    {
        (ITransport local, ITransport peer) = InMemoryTransports.CreatePair(PipeBuffer, inline: true);
        var options = new WebSocketOptions { PingInterval = null, Execution = InlineExecution.Instance };
        var connection = new WebSocketConnection(local, side, options, null, null);
        connection.Start();
        ConnectionSide peerSide = side == ConnectionSide.Server ? ConnectionSide.Client : ConnectionSide.Server;
        var peerEngine = new ProtocolConnection(peerSide, null, new FixedMaskKeyProvider(0x01020304));

        // Ping until a flush does not complete: the connection has stopped reading.
        int sent = 0;
        ValueTask<FlushResult> stalled = default;
        byte[] payload = new byte[125];
        while (sent < 100_000)
        {
            BitConverter.TryWriteBytes(payload, sent);
            peerEngine.SendPing(payload, peer.Output);
            sent++;
            stalled = peer.Output.FlushAsync();
            if (!stalled.IsCompleted)
            {
                break;
            }
        }

        // What it takes: the peer's unread pongs (one pipe), the pongs owed, and the pings buffered
        // toward the connection (one pipe): a few hundred, not the 100,000 the loop would send.
        Assert.That(stalled.IsCompleted, Is.False, "the connection stopped reading the flood");
        Assert.That(sent, Is.LessThan((3 * PipeBuffer / 100) + ProtocolConnection.MaxOwedPongs));

        // The peer reads again: every ping is answered, in order, one pong each.
        var pongs = new List<int>();
        Task reading = ReadPongsAsync(peer.Input, peerEngine, pongs, sent);
        await stalled;
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(pongs, Is.EqualTo(System.Linq.Enumerable.Range(0, sent)));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
        await connection.Completion;
    }

    [Test]
    public async Task PingFloodOverASocket_TheServerStopsReading_AndItsMemoryStaysBounded()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => ws.Completion.WaitAsync(ct), LocalServer.Options());
        await using RawSocketPeer peer = await RawSocketPeer.ConnectAsync(server.EndPoint);
        byte[] ping = peer.Frame(Opcode.Ping, new byte[125]);
        long before = GC.GetTotalMemory(forceFullCollection: true);

        // Push pings without reading until the kernel has taken all it will: the server stopped
        // reading. Without that the loop would reach its cap of 64 MiB.
        const long Cap = 64L * 1024 * 1024;
        long pushed = await peer.FloodAsync(ping, Cap);

        long grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        TestContext.Out.WriteLine($"pushed {pushed:N0} bytes of pings before the server stopped reading; managed memory grew by {grown:N0} bytes");
        Assert.That(pushed, Is.LessThan(32L * 1024 * 1024), "what the kernel's buffers and two pipes hold, not the whole flood");
        Assert.That(grown, Is.LessThan(8L * 1024 * 1024), "the server's managed memory did not grow with the flood");
    }

    private static async Task ReadPongsAsync(PipeReader input, ProtocolConnection engine, List<int> pongs, int expected)
    {
        while (pongs.Count < expected)
        {
            ReadResult read = await input.ReadAsync();
            ReadOnlySequence<byte> buffer = read.Buffer;
            while (true)
            {
                engine.ReceiveData(buffer, out SequencePosition consumed, out _);
                buffer = buffer.Slice(consumed);
                if (!engine.TryReadEvent(out ProtocolEvent e))
                {
                    break;
                }

                Assert.That(e.Type, Is.EqualTo(ProtocolEventType.Pong));
                pongs.Add(BitConverter.ToInt32(e.Payload.Span));
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
