using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.7")]
public sealed class FrameWriterTests
{
    private const int RfcMaskKey = 0x3d21fa37; // bytes 37 fa 21 3d in memory

    [TestCase(Opcode.Text, true, "48656c6c6f", null, "810548656c6c6f")]                   // unmasked "Hello"
    [TestCase(Opcode.Text, true, "48656c6c6f", RfcMaskKey, "818537fa213d7f9f4d5158")]    // masked "Hello"
    [TestCase(Opcode.Text, false, "48656c", null, "010348656c")]                          // first fragment "Hel"
    [TestCase(Opcode.Continuation, true, "6c6f", null, "80026c6f")]                       // last fragment "lo"
    [TestCase(Opcode.Ping, true, "48656c6c6f", null, "890548656c6c6f")]                   // unmasked ping
    [TestCase(Opcode.Pong, true, "48656c6c6f", RfcMaskKey, "8a8537fa213d7f9f4d5158")]    // masked pong
    public void WriteFrame_RfcExamples_MatchBytes(Opcode opcode, bool fin, string payloadHex, int? maskKey, string expected)
    {
        var writer = new ArrayBufferWriter<byte>();
        byte[] payload = Hex.Bytes(payloadHex);

        long written = FrameWriter.WriteFrame(writer, opcode, fin, payload, maskKey);

        Assert.That(Hex.Of(writer.WrittenSpan), Is.EqualTo(expected));
        Assert.That(written, Is.EqualTo(writer.WrittenCount));
        Assert.That(Hex.Of(payload), Is.EqualTo(payloadHex), "the caller's payload must not be masked in place");
    }

    [TestCase(256, "827e0100")]
    [TestCase(65536, "827f0000000000010000")]
    public void WriteFrame_LargeBinary_UsesExtendedLength(int length, string expectedHeader)
    {
        var writer = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(writer, Opcode.Binary, true, new byte[length], null);

        Assert.That(Hex.Of(writer.WrittenSpan[..(expectedHeader.Length / 2)]), Is.EqualTo(expectedHeader));
        Assert.That(writer.WrittenCount, Is.EqualTo(length + expectedHeader.Length / 2));
    }

    [Test]
    public void WriteFrame_SmallSpans_MasksAcrossChunks()
    {
        byte[] payload = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var whole = new ArrayBufferWriter<byte>();
        var chunky = new SmallSpanBufferWriter(7);

        FrameWriter.WriteFrame(whole, Opcode.Binary, true, payload, RfcMaskKey);
        FrameWriter.WriteFrame(chunky, Opcode.Binary, true, payload, RfcMaskKey);

        Assert.That(chunky.WrittenBytes, Is.EqualTo(whole.WrittenSpan.ToArray()));
    }

    [TestCase(14)]
    [TestCase(1 << 16)]
    public void WriteTextFrame_EncodesLikeUtf8_EvenAcrossSmallSpans(int spanSize)
    {
        string text = string.Concat(Enumerable.Repeat("añ€😀", 2000)); // 1-, 2-, 3- and 4-byte sequences
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var expected = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(expected, Opcode.Text, true, utf8, RfcMaskKey);
        var writer = new SmallSpanBufferWriter(spanSize);

        long written = FrameWriter.WriteTextFrame(writer, Opcode.Text, true, text, RfcMaskKey);

        Assert.That(writer.WrittenBytes, Is.EqualTo(expected.WrittenSpan.ToArray()));
        Assert.That(written, Is.EqualTo(expected.WrittenCount));
    }

    [Test]
    public void WriteTextFrame_LoneSurrogate_ThrowsBeforeWriting()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.That(() => FrameWriter.WriteTextFrame(writer, Opcode.Text, true, "a\ud800b", null), Throws.InstanceOf<ArgumentException>());
        Assert.That(writer.WrittenCount, Is.Zero);
    }

    [Test]
    public void WriteTextFrame_Empty_WritesHeaderOnly()
    {
        var writer = new ArrayBufferWriter<byte>();

        FrameWriter.WriteTextFrame(writer, Opcode.Text, true, string.Empty, null);

        Assert.That(Hex.Of(writer.WrittenSpan), Is.EqualTo("8100"));
    }
}
