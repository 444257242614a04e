using System;
using System.Buffers;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.2")]
public sealed class FrameHeaderTests
{
    [TestCase(0, false, "8100")]                           // FIN, text, len 0
    [TestCase(125, false, "817d")]                         // FIN, text, 7-bit len 125
    [TestCase(126, false, "817e007e")]                     // 16-bit len 126
    [TestCase(65535, false, "817effff")]                   // 16-bit len 65535
    [TestCase(65536, false, "817f0000000000010000")]       // 64-bit len 65536
    [TestCase(5, true, "818537fa213d")]                    // MASK, len 5, key 37 fa 21 3d
    [TestCase(70000, true, "81ff000000000001117037fa213d")] // MASK, 64-bit len, key
    public void WriteTo_And_TryReadHeader_RoundTrip(long length, bool masked, string hex)
    {
        var header = new FrameHeader(Opcode.Text, fin: true, length, masked, masked ? 0x3d21fa37 : 0);
        Span<byte> buffer = stackalloc byte[FrameHeader.MaxSize];

        int written = header.WriteTo(buffer);

        Assert.That(Hex.Of(buffer[..written]), Is.EqualTo(hex));
        Assert.That(written, Is.EqualTo(header.Size));
        FrameReadResult result = FrameReader.TryReadHeader(buffer[..written], out FrameHeader read, out int size);
        Assert.That(result, Is.EqualTo(FrameReadResult.Complete));
        Assert.That(size, Is.EqualTo(written));
        Assert.That(read.PayloadLength, Is.EqualTo(length));
        Assert.That(read.IsMasked, Is.EqualTo(masked));
        Assert.That(read.MaskKey, Is.EqualTo(header.MaskKey));
        Assert.That(read.Fin, Is.True);
        Assert.That(read.Opcode, Is.EqualTo(Opcode.Text));
    }

    [TestCase("81")]                  // only the first byte
    [TestCase("817e00")]              // 16-bit length cut short
    [TestCase("817f00000000000001")]  // 64-bit length cut short
    [TestCase("818537fa21")]          // mask key cut short
    public void TryReadHeader_Partial_NeedsMoreData(string hex)
    {
        FrameReadResult result = FrameReader.TryReadHeader(Hex.Bytes(hex), out _, out _);

        Assert.That(result, Is.EqualTo(FrameReadResult.NeedMoreData));
    }

    [Test]
    public void TryReadHeader_64BitLengthWithTopBitSet_IsInvalid()
    {
        // FIN binary, len 127 → 64-bit length 0x8000000000000000
        FrameReadResult result = FrameReader.TryReadHeader(Hex.Bytes("827f8000000000000000"), out _, out _);

        Assert.That(result, Is.EqualTo(FrameReadResult.InvalidPayloadLength));
    }

    [Test]
    public void TryReadHeader_ReservedBitsAndOpcode_AreDecodedNotJudged()
    {
        // FIN + RSV1 + RSV3, opcode 0xB, len 0
        FrameReadResult result = FrameReader.TryReadHeader(Hex.Bytes("db00"), out FrameHeader header, out _);

        Assert.That(result, Is.EqualTo(FrameReadResult.Complete));
        Assert.That(header.Rsv, Is.EqualTo(5));
        Assert.That(header.Rsv1, Is.True);
        Assert.That((int)header.Opcode, Is.EqualTo(0xB));
        Assert.That(header.IsControl, Is.True);
    }

    [Test]
    public void TryReadHeader_SequenceSplitAcrossSegments_ReadsWholeHeader()
    {
        ReadOnlySequence<byte> input = SegmentedSequence.Create([Hex.Bytes("81"), Hex.Bytes("ff0000"), Hex.Bytes("00000001117037fa"), Hex.Bytes("213d00")]);

        FrameReadResult result = FrameReader.TryReadHeader(input, out FrameHeader header, out int size);

        Assert.That(result, Is.EqualTo(FrameReadResult.Complete));
        Assert.That(size, Is.EqualTo(14));
        Assert.That(header.PayloadLength, Is.EqualTo(70000));
    }

    [Test]
    public void Constructor_NegativeLength_Throws()
    {
        Assert.That(() => new FrameHeader(Opcode.Binary, true, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
