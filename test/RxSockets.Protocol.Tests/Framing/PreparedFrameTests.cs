using System;
using System.Buffers;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.2, §5.6; RFC 7692 §6")]
public sealed class PreparedFrameTests
{
    [Test]
    public void Text_IsTheUnmaskedFrameAServerWrites()
    {
        PreparedFrame frame = PreparedFrame.Text("Hello");

        // 81 = FIN + text, 05 = unmasked, length 5
        Assert.That(Hex.Of(frame.Bytes.Span), Is.EqualTo("810548656c6c6f"));
        Assert.That(frame.Opcode, Is.EqualTo(Opcode.Text));
        Assert.That(frame.PayloadLength, Is.EqualTo(5));
    }

    [TestCase(0, 2)]
    [TestCase(125, 2)]
    [TestCase(126, 4)]
    [TestCase(65_535, 4)]
    [TestCase(65_536, 10)]
    public void Text_PayloadLength_ExcludesTheHeader(int length, int headerSize)
    {
        PreparedFrame frame = PreparedFrame.Text(new string('é', length / 2) + new string('a', length % 2));

        Assert.That(frame.PayloadLength, Is.EqualTo(length));
        Assert.That(frame.Bytes.Length, Is.EqualTo(length + headerSize));
    }

    [Test]
    public void Binary_MatchesSendBinaryOfAServer()
    {
        byte[] payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var expected = new ArrayBufferWriter<byte>();
        new ProtocolConnection(ConnectionSide.Server).SendBinary(payload, expected);

        PreparedFrame frame = PreparedFrame.Binary(payload);

        Assert.That(frame.Bytes.ToArray(), Is.EqualTo(expected.WrittenSpan.ToArray()));
    }

    [Test]
    public void Text_InvalidInput_Throws()
    {
        Assert.That(() => PreparedFrame.Text("\ud800"), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => PreparedFrame.Text(new byte[] { 0xc0, 0xaf }), Throws.ArgumentException);
    }

    [Test]
    public void SendPrepared_WritesPendingFramesFirst_ThenTheFrameUnchanged()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        new EngineDriver(server).Feed("8980" + "00000000"); // masked ping with an empty payload: a pong is owed
        var output = new ArrayBufferWriter<byte>();

        long written = server.SendPrepared(PreparedFrame.Text("hi"), output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8a00" + "81026869"));
        Assert.That(written, Is.EqualTo(6));
    }

    [Test]
    public void SendPrepared_WithCompressionNegotiated_GoesOutUncompressed()
    {
        (_, PerMessageDeflate deflate) = DeflateAgreements.Negotiate(server: new PerMessageDeflateOptions { Threshold = 0 });
        var server = new ProtocolConnection(ConnectionSide.Server, compression: deflate);
        var output = new ArrayBufferWriter<byte>();

        server.SendPrepared(PreparedFrame.Text(new string('a', 4096)), output);

        Assert.That(output.WrittenSpan[0], Is.EqualTo(0x81), "FIN + text, RSV1 clear");
        Assert.That(output.WrittenCount, Is.EqualTo(4096 + 4));
    }

    [Test]
    public void SendPrepared_OnAClient_Throws()
    {
        var client = new ProtocolConnection(ConnectionSide.Client);

        Assert.That(() => client.SendPrepared(PreparedFrame.Text("x"), new ArrayBufferWriter<byte>()), Throws.InvalidOperationException);
    }

    [Test]
    public void SendPrepared_InsideAFragmentedMessage_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        server.SendText("a"u8, output, fin: false);

        Assert.That(() => server.SendPrepared(PreparedFrame.Binary([1]), output), Throws.InvalidOperationException);
    }

    [Test]
    public void SendPrepared_AfterClose_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        server.SendClose(new CloseStatus(CloseCode.NormalClosure), output);

        Assert.That(() => server.SendPrepared(PreparedFrame.Binary([1]), output), Throws.InvalidOperationException);
    }
}
