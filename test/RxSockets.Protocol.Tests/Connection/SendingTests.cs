using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.1, §5.3, §5.4, §5.6")]
public sealed class SendingTests
{
    [Test]
    public void SendText_Client_MasksWithProviderKey()
    {
        var client = new ProtocolConnection(ConnectionSide.Client, null, new FixedMaskKeyProvider(0x3d21fa37));
        var output = new ArrayBufferWriter<byte>();

        long written = client.SendText("Hello", output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("818537fa213d7f9f4d5158"));
        Assert.That(written, Is.EqualTo(11));
    }

    [Test]
    public void SendText_Server_IsUnmasked()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        server.SendText("Hello"u8, output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("810548656c6c6f"));
    }

    [Test]
    public void SendText_InvalidUtf8Bytes_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        Assert.That(() => server.SendText(new byte[] { 0xc0, 0xaf }, output), Throws.ArgumentException);
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public void SendText_LoneSurrogate_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);

        Assert.That(() => server.SendText("\udc00", new ArrayBufferWriter<byte>()), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void SendFragments_ProducesRfcExample()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        server.SendText("Hel"u8, output, fin: false);
        server.SendPing([], output); // control frames may be interleaved
        server.SendContinuation("lo"u8, output, fin: true);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("010348656c" + "8900" + "80026c6f"));
    }

    [Test]
    public void SendContinuation_WithoutStart_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);

        Assert.That(() => server.SendContinuation([], new ArrayBufferWriter<byte>(), fin: true), Throws.InvalidOperationException);
    }

    [Test]
    public void SendBinary_DuringFragmentedMessage_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        server.SendBinary([1], output, fin: false);

        Assert.That(() => server.SendBinary([2], output), Throws.InvalidOperationException);
        Assert.That(() => server.SendText("x", output), Throws.InvalidOperationException);
    }

    [Test]
    public void SendPing_126Bytes_Throws_125Fits()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        Assert.That(() => server.SendPing(new byte[126], output), Throws.ArgumentException);
        server.SendPing(new byte[125], output);
        Assert.That(output.WrittenCount, Is.EqualTo(127));
    }

    [Test]
    public void SendClose_WithoutStatus_SendsEmptyClose()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        server.SendClose(null, output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8800"));
    }

    [Test]
    public void Send_WritesPendingPongFirst()
    {
        var server = new EngineDriver(ConnectionSide.Server);
        server.Feed("8980" + "37fa213d"); // masked empty ping
        var output = new ArrayBufferWriter<byte>();

        server.Engine.SendBinary([7], output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8a00" + "820107"));
        Assert.That(server.Engine.HasPendingOutput, Is.False);
    }

    [Test]
    public void SendText_MultiByte_RoundTripsThroughPeer()
    {
        var client = new ProtocolConnection(ConnectionSide.Client);
        var server = new EngineDriver(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        string text = "κόσμε 😀 " + new string('x', 100000);

        client.SendText(text, output);
        server.Feed(output.WrittenSpan.ToArray(), 1000);

        Assert.That(server.Single().Text, Is.EqualTo(text));
        Assert.That(Encoding.UTF8.GetByteCount(text), Is.EqualTo(server.Single().Payload.Length));
    }

    [TestCase(0)]
    [TestCase(125)]
    [TestCase(126)]
    [TestCase(65535)]
    [TestCase(65536)]
    [TestCase(1 << 20)]
    public void SendBinaryHeader_ThenPayload_IsWhatSendBinaryWrites(int length)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        var whole = new ArrayBufferWriter<byte>();
        new ProtocolConnection(ConnectionSide.Server).SendBinary(payload, whole, compress: false);
        var split = new ArrayBufferWriter<byte>();

        long written = new ProtocolConnection(ConnectionSide.Server).SendBinaryHeader(length, split);
        split.Write(payload);

        Assert.That(split.WrittenSpan.SequenceEqual(whole.WrittenSpan), Is.True);
        Assert.That(written, Is.EqualTo(whole.WrittenCount - length), "the payload is not counted");
    }

    [Test]
    public void SendBinaryHeader_WritesPendingPongFirstAndAPeerReadsTheMessage()
    {
        var server = new EngineDriver(ConnectionSide.Server);
        server.Feed("8980" + "37fa213d"); // masked empty ping
        var output = new ArrayBufferWriter<byte>();

        server.Engine.SendBinaryHeader(3, output);
        output.Write(new byte[] { 1, 2, 3 });
        var client = new EngineDriver(ConnectionSide.Client);
        client.Feed(output.WrittenSpan.ToArray());

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8a00" + "8203010203"));
        Assert.That(client.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.Pong, ProtocolEventType.BinaryMessage }));
    }

    [Test]
    public void SendBinaryHeader_ClientSide_ThrowsAndWritesNothing()
    {
        var client = new ProtocolConnection(ConnectionSide.Client);
        var output = new ArrayBufferWriter<byte>();

        Assert.That(() => client.SendBinaryHeader(10, output), Throws.InvalidOperationException);
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public void SendBinaryHeader_WhenNotAllowed_Throws()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        Assert.That(() => server.SendBinaryHeader(-1, output), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => server.SendBinaryHeader(1, null!), Throws.ArgumentNullException);

        server.SendBinary([1], output, fin: false);
        Assert.That(() => server.SendBinaryHeader(1, output), Throws.InvalidOperationException, "inside a fragmented message");
        server.SendContinuation([2], output, fin: true);
        server.SendClose(new CloseStatus(CloseCode.NormalClosure), output);
        Assert.That(() => server.SendBinaryHeader(1, output), Throws.InvalidOperationException, "after the close");
    }

    [Test]
    public void Commands_NullOutput_Throw()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);

        Assert.That(() => server.SendBinary([], null!), Throws.ArgumentNullException);
        Assert.That(() => server.WritePendingOutput(null!), Throws.ArgumentNullException);
    }
}
