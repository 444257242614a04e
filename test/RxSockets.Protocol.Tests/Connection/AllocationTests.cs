using System;
using System.Buffers;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// Issue 7's allocation target as a regression guard: once warm, the engine allocates nothing per
/// parsed or written frame. Counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/>: the
/// engine is sans-I/O, so all of its work runs on the test's thread. The benchmarks
/// (<c>FrameParsingBenchmarks</c>, <c>FrameWritingBenchmarks</c>) measure the same thing with timings.
/// </summary>
[TestFixture]
public sealed class AllocationTests
{
    private const int Frames = 500;
    private const int Rounds = 3;

    /// <summary>
    /// The bytes one call of <paramref name="work"/> allocated on this thread, the least of a few
    /// rounds after a warm-up round (a static constructor or a pool's first rent is not per frame).
    /// </summary>
    private static long LeastAllocated(Action work)
    {
        work();
        long least = long.MaxValue;
        for (int round = 0; round < Rounds; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    /// <summary>
    /// Masked client frames: binary and text messages of <paramref name="size"/> bytes, a message in
    /// three fragments, and a ping (which makes the server queue a pong), <see cref="Frames"/> times.
    /// </summary>
    private static byte[] ClientTraffic(int size)
    {
        var client = new ProtocolConnection(ConnectionSide.Client, null, new FixedMaskKeyProvider(0x1badb002));
        var output = new ArrayBufferWriter<byte>();
        byte[] payload = new byte[size];
        payload.AsSpan().Fill((byte)'r');
        for (int i = 0; i < Frames; i += 6)
        {
            client.SendBinary(payload, output);
            client.SendText(payload, output);
            client.SendBinary(payload, output, fin: false);
            client.SendContinuation(payload, output, fin: false);
            client.SendContinuation(payload, output, fin: true);
            client.SendPing(payload.AsSpan(0, Math.Min(size, 125)), output);
        }

        return output.WrittenSpan.ToArray();
    }

    [TestCase(16)]
    [TestCase(64)]
    [TestCase(1024)]
    [TestCase(ProtocolConnection.RetainedBufferSize + 1)]
    public void ParsingFrames_AllocatesNothing(int size)
    {
        var input = new ReadOnlySequence<byte>(ClientTraffic(size));
        using var server = new ProtocolConnection(ConnectionSide.Server);
        var pongs = new ArrayBufferWriter<byte>(4096);
        long delivered = 0;

        void ParseAll()
        {
            ReadOnlySequence<byte> buffer = input;
            while (!buffer.IsEmpty)
            {
                server.ReceiveData(buffer, out SequencePosition consumed, out _);
                long left = buffer.Length;
                buffer = buffer.Slice(consumed);
                bool any = false;
                while (server.TryReadEvent(out ProtocolEvent protocolEvent))
                {
                    any = true;
                    delivered += protocolEvent.Payload.Length;
                }

                if (!any && buffer.Length == left)
                {
                    Assert.Fail("the engine stopped making progress");
                }

                pongs.ResetWrittenCount();
                server.WritePendingOutput(pongs);
            }
        }

        long allocated = LeastAllocated(ParseAll);

        Assert.That(delivered, Is.GreaterThanOrEqualTo((Rounds + 1) * (Frames / 6) * 5L * size), "every message was delivered");
        Assert.That(allocated, Is.Zero, $"bytes allocated while parsing about {Frames} frames of {size} bytes");
    }

    [TestCase(ConnectionSide.Server, 64)]
    [TestCase(ConnectionSide.Client, 64)]
    [TestCase(ConnectionSide.Server, 4096)]
    [TestCase(ConnectionSide.Client, 4096)]
    [TestCase(ConnectionSide.Client, 1 << 20)]
    public void WritingFrames_AllocatesNothing(ConnectionSide side, int size)
    {
        using var engine = new ProtocolConnection(side);
        byte[] payload = new byte[size];
        payload.AsSpan().Fill((byte)'w');
        string text = new('w', Math.Min(size, 4096));
        var output = new ArrayBufferWriter<byte>(8 * (size + 64));
        int frames = size >= 1 << 20 ? 2 : Frames;

        void WriteAll()
        {
            for (int i = 0; i < frames; i++)
            {
                output.ResetWrittenCount();
                engine.SendBinary(payload, output);
                engine.SendText(payload, output);
                engine.SendText(text.AsSpan(), output);
                engine.SendBinary(payload, output, fin: false);
                engine.SendContinuation(payload, output, fin: true);
                engine.SendPing(payload.AsSpan(0, 8), output);
            }
        }

        long allocated = LeastAllocated(WriteAll);

        Assert.That(output.WrittenCount, Is.GreaterThanOrEqualTo(4L * size), "the frames were written");
        Assert.That(allocated, Is.Zero, $"bytes allocated while writing {frames * 6} frames of {size} bytes ({side})");
    }
}
