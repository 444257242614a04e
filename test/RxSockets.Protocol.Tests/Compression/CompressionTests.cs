using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>The engine with permessage-deflate negotiated: RSV1, compressed frames in and out, context takeover, errors.</summary>
[TestFixture]
[Description("RFC 7692 §6, §7.2")]
public sealed class CompressionTests
{
    private static readonly int[] s_chunkSizes = [int.MaxValue, 1, 3];

    private static EngineDriver Client(PerMessageDeflate? agreement = null, ProtocolLimits? limits = null) =>
        new(new ProtocolConnection(ConnectionSide.Client, limits, new FixedMaskKeyProvider(0x3d21fa37), agreement ?? DeflateAgreements.Negotiate().Client));

    private static ProtocolConnection Server(PerMessageDeflate? agreement = null) =>
        new(ConnectionSide.Server, null, null, agreement ?? DeflateAgreements.Negotiate().Server);

    [Test]
    [Description("RFC 7692 §7.2.3.1")]
    public void ReceiveData_CompressedHello_DeliversHello([ValueSource(nameof(s_chunkSizes))] int chunk)
    {
        EngineDriver client = Client();

        client.Feed("c107 f248cdc9c90700", chunk); // FIN RSV1 text, len 7, "Hello" deflated without the 00 00 ff ff trailer

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.TextMessage));
        Assert.That(client.Single().Text, Is.EqualTo("Hello"));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.1")]
    public void ReceiveData_CompressedHelloInTwoFragments_DeliversHello([ValueSource(nameof(s_chunkSizes))] int chunk)
    {
        EngineDriver client = Client();

        client.Feed("4103 f248cd" + "8004 c9c90700", chunk); // RSV1 text (no FIN) len 3; FIN continuation (no RSV1) len 4

        Assert.That(client.Single().Text, Is.EqualTo("Hello"));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.2")]
    public void ReceiveData_SecondMessageSharesTheWindow_DeliversHelloTwice()
    {
        EngineDriver client = Client();

        client.Feed("c107 f248cdc9c90700").Feed("c105 f200110000"); // the second "Hello" is a back-reference into the first

        Assert.That(client.Events.Select(e => e.Text), Is.EqualTo(new[] { "Hello", "Hello" }));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.3")]
    public void ReceiveData_UncompressedDeflateBlock_DeliversHello()
    {
        EngineDriver client = Client();

        client.Feed("c10b 000500faff48656c6c6f00"); // a stored block holding "Hello", then an empty fixed block

        Assert.That(client.Single().Text, Is.EqualTo("Hello"));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.4")]
    public void ReceiveData_BlockWithBfinal_DeliversHelloAndTheNextMessage()
    {
        EngineDriver client = Client();

        client.Feed("c108 f348cdc9c9070000").Feed("c107 f248cdc9c90700"); // BFINAL ends the deflate stream; a new one follows

        Assert.That(client.Events.Select(e => e.Text), Is.EqualTo(new[] { "Hello", "Hello" }));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.1")]
    public void SendText_Hello_IsTheRfcExample()
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();

        server.SendText("Hello"u8, output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("c107f248cdc9c90700"));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.2")]
    public void SendText_HelloTwiceWithContextTakeover_SecondIsABackReference()
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();

        server.SendText("Hello".AsSpan(), output);
        output.ResetWrittenCount();
        server.SendText("Hello".AsSpan(), output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("c105f200110000"));
    }

    [Test]
    [Description("RFC 7692 §7.1.1.1")]
    public void SendText_HelloTwiceWithoutServerContextTakeover_BothStandAlone()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate(server: new PerMessageDeflateOptions { Threshold = 0, ServerContextTakeover = false });
        using ProtocolConnection sender = Server(server);
        EngineDriver receiver = Client(client);
        var output = new ArrayBufferWriter<byte>();

        sender.SendText("Hello"u8, output);
        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("c107f248cdc9c90700"));
        receiver.Feed(output.WrittenSpan.ToArray());
        output.ResetWrittenCount();
        sender.SendText("Hello"u8, output);
        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("c107f248cdc9c90700"), "no reference to the previous message");
        receiver.Feed(output.WrittenSpan.ToArray());

        Assert.That(receiver.Events.Select(e => e.Text), Is.EqualTo(new[] { "Hello", "Hello" }));
    }

    [Test]
    [Description("RFC 7692 §7.2.3.6")]
    public void SendBinary_EmptyMessagesAndEmptyLastFragment_EachEndWithAnEmptyBlock()
    {
        // Regression (found against Node ws and python websockets): with context takeover, a second
        // empty message made zlib flush nothing, the payload was empty, and the receiver's appended
        // 00 00 ff ff then started a stored block that swallowed the next message.
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();

        server.SendBinary([], output);
        server.SendBinary([], output);
        server.SendBinary("Hello"u8, output, fin: false);
        server.SendContinuation([], output, fin: true);
        server.SendText("Hello"u8, output);

        Assert.That(Hex.Of(output.WrittenSpan), Does.StartWith("c20100" + "c20100"), "an empty message is one 00 byte (§7.2.3.6)");
        EngineDriver client = Client();
        client.Feed(output.WrittenSpan.ToArray());
        Assert.That(client.Events.Select(e => e.Text), Is.EqualTo(new[] { "", "", "Hello", "Hello" }));
    }

    [Test]
    public void ReceiveData_CompressedMessageWithNoPayload_IsEmptyAndKeepsTheStreamAligned()
    {
        EngineDriver client = Client();

        client.Feed("c107 f248cdc9c90700").Feed("c100").Feed("c105 f200110000"); // Hello, an empty RSV1 frame, Hello (back-reference)

        Assert.That(client.Events.Select(e => e.Text), Is.EqualTo(new[] { "Hello", "", "Hello" }));
    }

    [Test]
    public void SendBinary_Fragmented_Rsv1OnTheFirstFrameOnly()
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();
        byte[] data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefgh", 200)));

        server.SendBinary(data.AsSpan(0, 800), output, fin: false);
        int first = output.WrittenCount;
        server.SendContinuation(data.AsSpan(800), output, fin: true);
        byte[] wire = output.WrittenSpan.ToArray();

        Assert.That(wire[0], Is.EqualTo(0x42), "RSV1 binary without FIN");
        Assert.That(wire[first], Is.EqualTo(0x80), "FIN continuation without RSV1");
        EngineDriver client = Client();
        client.Feed(wire);
        Assert.That(client.Single().Payload, Is.EqualTo(data));
    }

    [Test]
    public void SendText_BelowThreshold_IsNotCompressed()
    {
        (_, PerMessageDeflate server) = DeflateAgreements.Negotiate(server: new PerMessageDeflateOptions { Threshold = 6 });
        using ProtocolConnection sender = Server(server);
        var output = new ArrayBufferWriter<byte>();

        sender.SendText("Hello".AsSpan(), output);
        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8105" + Hex.Of("Hello"u8)));
        output.ResetWrittenCount();
        sender.SendText("Hello!".AsSpan(), output);
        Assert.That(output.WrittenSpan[0], Is.EqualTo(0xc1), "at the threshold the message is compressed");
    }

    [Test]
    public void SendText_CompressFalse_IsNotCompressed()
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();

        server.SendText("Hello".AsSpan(), output, compress: false);
        server.SendBinary("Hello"u8, output, compress: false);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("8105" + Hex.Of("Hello"u8) + "8205" + Hex.Of("Hello"u8)));
    }

    [Test]
    public void SendText_WithoutNegotiation_NeverSetsRsv1()
    {
        using var server = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        server.SendText(new string('a', 5000).AsSpan(), output);

        Assert.That(output.WrittenSpan[0], Is.EqualTo(0x81));
    }

    [TestCase("c900", Description = "ping with RSV1")]
    [TestCase("ca00", Description = "pong with RSV1")]
    [TestCase("c80203e8", Description = "close with RSV1")]
    [TestCase("4103f248cd" + "c004c9c90700", Description = "continuation with RSV1")]
    [TestCase("a107f248cdc9c90700", Description = "RSV2 on a text frame")]
    [TestCase("9107f248cdc9c90700", Description = "RSV3 on a text frame")]
    [Description("RFC 7692 §6.1")]
    public void ReceiveData_Rsv1WhereItMeansNothing_FailsWith1002(string hex)
    {
        EngineDriver client = Client();

        client.Feed(hex);

        FrameValidationTests.AssertFailed(client, ProtocolError.ReservedBitsSet, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_Rsv1WithoutNegotiation_FailsWith1002()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("c107f248cdc9c90700");

        FrameValidationTests.AssertFailed(client, ProtocolError.ReservedBitsSet, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_InvalidDeflateData_FailsWith1007()
    {
        EngineDriver client = Client();

        client.Feed("c101ff"); // BTYPE 11 is reserved

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidCompressedData, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_CompressedTextThatInflatesToInvalidUtf8_FailsWith1007()
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();
        server.SendBinary(new byte[] { 0x48, 0xff, 0xfe }, output);
        byte[] wire = output.WrittenSpan.ToArray();
        wire[0] = 0xc1; // the same compressed payload, as text

        EngineDriver client = Client();
        client.Feed(wire);

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [TestCase(1000, true)]
    [TestCase(1001, false)]
    [Description("RFC 6455 §10.4 on the inflated size")]
    public void MaxMessageSize_AppliesToTheInflatedSize(int size, bool accepted)
    {
        using ProtocolConnection server = Server();
        var output = new ArrayBufferWriter<byte>();
        server.SendBinary(new byte[size], output);
        Assert.That(output.WrittenCount, Is.LessThan(100), "zeros compress well: the wire size is far below the limit");

        EngineDriver client = Client(limits: new ProtocolLimits { MaxMessageSize = 1000 });
        client.Feed(output.WrittenSpan.ToArray());

        if (accepted)
        {
            Assert.That(client.Single().Payload, Has.Length.EqualTo(size));
        }
        else
        {
            FrameValidationTests.AssertFailed(client, ProtocolError.MessageTooBig, CloseCode.MessageTooBig);
        }
    }

    [TestCase(ConnectionSide.Client, 15, 15, true, true)]
    [TestCase(ConnectionSide.Server, 15, 15, false, false)]
    [TestCase(ConnectionSide.Client, 9, 9, false, true)]
    [TestCase(ConnectionSide.Server, 9, 12, true, false)]
    [TestCase(ConnectionSide.Client, 12, 10, true, true)]
    public void RandomMessages_RoundTripCompressed(ConnectionSide senderSide, int serverBits, int clientBits, bool serverTakeover, bool clientTakeover)
    {
        // The receiver inflates with the negotiated window: a sender that used a larger window than
        // agreed would produce "distance too far back" errors here.
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate(
            new PerMessageDeflateOptions { Threshold = 64, ClientContextTakeover = clientTakeover },
            new PerMessageDeflateOptions { Threshold = 64, ServerMaxWindowBits = serverBits, ClientMaxWindowBits = clientBits, ServerContextTakeover = serverTakeover });
        bool fromClient = senderSide == ConnectionSide.Client;
        using var sender = new ProtocolConnection(senderSide, null, new FixedMaskKeyProvider(0x12345678), fromClient ? client : server);
        var receiver = new EngineDriver(new ProtocolConnection(fromClient ? ConnectionSide.Server : ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 0, MaxFrameSize = 0 }, null, fromClient ? server : client));
        var random = new Random(serverBits * 100 + clientBits);
        var output = new ArrayBufferWriter<byte>();
        var expected = new System.Collections.Generic.List<byte[]>();
        string[] words = ["alpha ", "beta ", "gamma ", "€uro ", "😀 ", "delta epsilon "];

        for (int m = 0; m < 60; m++)
        {
            int words_ = random.Next(4) == 0 ? random.Next(20000) : random.Next(40);
            byte[] payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, words_).Select(_ => words[random.Next(words.Length)])));
            expected.Add(payload);
            if (random.Next(3) == 0 && payload.Length > 10)
            {
                int cut = random.Next(payload.Length);
                sender.SendBinary(payload.AsSpan(0, cut), output, fin: false);
                sender.SendContinuation(payload.AsSpan(cut), output, fin: true);
            }
            else if (random.Next(2) == 0)
            {
                sender.SendText(Encoding.UTF8.GetString(payload).AsSpan(), output);
            }
            else
            {
                sender.SendBinary(payload, output);
            }
        }

        receiver.FeedRandomly(output.WrittenSpan.ToArray(), random);

        Assert.That(receiver.Events.Select(e => e.Type), Has.None.EqualTo(ProtocolEventType.Failed), string.Join(", ", receiver.Events.Where(e => e.Type == ProtocolEventType.Failed)));
        Assert.That(receiver.Events.Select(e => e.Payload), Is.EqualTo(expected));
    }

    [Test]
    public void SteadyState_CompressedSendAndReceive_AllocatesNothingPerMessage()
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate();
        using var sender = new ProtocolConnection(ConnectionSide.Server, null, null, server);
        using var receiver = new ProtocolConnection(ConnectionSide.Client, null, null, client);
        byte[] payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"price\": 1234.5, \"symbol\": \"MSFT\"} ", 100)));
        var output = new ArrayBufferWriter<byte>(64 * 1024);

        int delivered = 0;
        void RoundTrip()
        {
            output.ResetWrittenCount();
            sender.SendBinary(payload, output);
            receiver.ReceiveData(new ReadOnlySequence<byte>(output.WrittenMemory), out _, out _);
            if (receiver.TryReadEvent(out ProtocolEvent e) && e.Payload.Length == payload.Length)
            {
                delivered++;
            }
        }

        for (int i = 0; i < 50; i++)
        {
            RoundTrip(); // warm up the pool and zlib
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            RoundTrip();
        }

        long perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / 200;
        Assert.That(delivered, Is.EqualTo(250));
        Assert.That(output.WrittenCount, Is.LessThan(payload.Length / 10), "the message was compressed");
        Assert.That(perMessage, Is.LessThan(64), "pooled buffers and zlib's own memory: no managed allocation per message");
    }
}
