using System;
using System.Buffers;
using System.Diagnostics;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// A compressed message that inflates far beyond <see cref="ProtocolLimits.MaxMessageSize"/> fails
/// with 1009 after inflating at most the limit, whatever its inflated size would have been.
/// </summary>
/// <remarks>
/// Deflate's ratio tops out near 1032:1 (a 258-byte match in two bits), so the "1 KiB frame that
/// inflates to 1 GiB" of the issue does not exist; the worst cases are a 1 KiB frame inflating to
/// about 1 MiB (against a small limit) and a 1 MiB frame, the default frame limit, inflating to
/// 1 GiB. Both are built here from the real compressor.
/// </remarks>
[TestFixture]
[Description("RFC 7692 §8.1; RFC 6455 §10.4")]
public sealed class DecompressionBombTests
{
    /// <summary>One compressed message that inflates to 1 GiB of zeros (about 1 MiB on the wire).</summary>
    private static readonly Lazy<byte[]> s_gibibyteBomb = new(() => Bomb(1L << 30));

    [Test]
    public void ReceiveData_1MiBFrameInflatingTo1GiB_FailsWith1009WithBoundedMemory()
    {
        byte[] frame = s_gibibyteBomb.Value;
        Assert.That(frame.Length, Is.LessThanOrEqualTo(ProtocolLimits.Default.MaxFrameSize + 14), "the frame itself is within the default limits");
        var client = new EngineDriver(new ProtocolConnection(ConnectionSide.Client, null, null, DeflateAgreements.Negotiate().Client));

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        client.Feed(frame);
        stopwatch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        FrameValidationTests.AssertFailed(client, ProtocolError.MessageTooBig, CloseCode.MessageTooBig);

        // The reassembly buffer grows by doubling up to the 1 MiB limit (pooled arrays: about 2 MiB
        // in total), plus the driver's copy of the input; nothing near 1 GiB.
        Assert.That(allocated, Is.LessThan(8L << 20), $"allocated {allocated:N0} bytes");
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "inflating stops at the limit");
    }

    [Test]
    public void ReceiveData_1KiBFrameOverASmallLimit_FailsWith1009()
    {
        byte[] frame = Bomb(1 << 20);
        Assert.That(frame.Length, Is.LessThan(1200));
        var client = new EngineDriver(new ProtocolConnection(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 64 * 1024 }, null, DeflateAgreements.Negotiate().Client));

        client.Feed(frame, chunkSize: 100);

        FrameValidationTests.AssertFailed(client, ProtocolError.MessageTooBig, CloseCode.MessageTooBig);
    }

    [Test]
    public void ReceiveData_BombSplitIntoManySmallFragments_FailsWith1009()
    {
        // The same compressed stream cut into 64-byte fragments: the inflated total is what counts.
        byte[] whole = Bomb(8 << 20);
        int headerSize = whole[1] == 126 ? 4 : 10;
        ReadOnlySpan<byte> compressed = whole.AsSpan(headerSize);
        var frames = new ArrayBufferWriter<byte>();
        for (int offset = 0; offset < compressed.Length; offset += 64)
        {
            bool first = offset == 0;
            bool fin = offset + 64 >= compressed.Length;
            byte opcode = (byte)((fin ? 0x80 : 0) | (first ? 0x42 : 0x00));
            ReadOnlySpan<byte> piece = compressed.Slice(offset, Math.Min(64, compressed.Length - offset));
            frames.Write([opcode, (byte)piece.Length]);
            frames.Write(piece);
        }

        var client = new EngineDriver(new ProtocolConnection(ConnectionSide.Client, null, null, DeflateAgreements.Negotiate().Client));
        client.Feed(frames.WrittenSpan.ToArray());

        FrameValidationTests.AssertFailed(client, ProtocolError.MessageTooBig, CloseCode.MessageTooBig);
    }

    /// <summary>A server frame (FIN, RSV1, binary) whose payload inflates to <paramref name="size"/> zero bytes.</summary>
    private static byte[] Bomb(long size)
    {
        using ZLibStreamHandle deflater = ZLibStreamHandle.CreateDeflater(9, 15, 9);
        byte[] zeros = new byte[1 << 20];
        var compressed = new ArrayBufferWriter<byte>();
        for (long left = size; left > 0; left -= zeros.Length)
        {
            ReadOnlySpan<byte> input = zeros.AsSpan(0, (int)Math.Min(zeros.Length, left));
            while (!input.IsEmpty)
            {
                deflater.Run(input, compressed.GetSpan(64 * 1024), flush: 0, out int consumed, out int written);
                compressed.Advance(written);
                input = input[consumed..];
            }
        }

        while (true)
        {
            Span<byte> span = compressed.GetSpan(64 * 1024);
            deflater.Run([], span, ZLibNative.SyncFlush, out _, out int produced);
            compressed.Advance(produced);
            if (produced < span.Length)
            {
                break;
            }
        }

        ReadOnlySpan<byte> payload = compressed.WrittenSpan[..^4]; // §7.2.1: without 00 00 ff ff
        var frame = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(frame, Opcode.Binary, true, payload, maskKey: null, rsv: 4);
        return frame.WrittenSpan.ToArray();
    }
}
