using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// Everything the peer sent before a violation keeps its effect (RFC 6455 processes frames in
/// order), one pong answers each ping, and a compressed frame of a message within the limits is
/// accepted. Each case feeds the whole byte sequence in one read, as a peer that writes them
/// together produces, in both roles.
/// </summary>
[TestFixture]
[Description("RFC 6455 §5.2, §5.5.2, §5.5.3, §7.1.7; RFC 7692 §6")]
public sealed class StrictOrderTests
{
    private const int MaskKey = 0x3d21fa37;

    [Test]
    public void DeferFailure_TextThenReservedBits_ReportsTheTextFirst_AndHoldsTheClose([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side) { DeferFailure = true };
        var driver = new EngineDriver(engine);

        driver.Feed(Concat(Frame(side, Opcode.Text, "hello"u8), Frame(side, Opcode.Text, "x"u8, rsv: 0b101)));

        Assert.That(driver.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.TextMessage, ProtocolEventType.Failed }));
        Assert.That(driver.Events[0].Text, Is.EqualTo("hello"));
        Assert.That(driver.Events[1].Error, Is.EqualTo(ProtocolError.ReservedBitsSet));
        Assert.That(engine.FailurePending, Is.True);
        Assert.That(engine.State, Is.EqualTo(ConnectionState.Open), "the application may still answer what came before");
        Assert.That(engine.HasPendingOutput, Is.False);
    }

    [Test]
    public void DeferFailure_AnswerThenCommit_WritesTheAnswerBeforeTheClose([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side, null, new FixedMaskKeyProvider(MaskKey)) { DeferFailure = true };
        var driver = new EngineDriver(engine);
        driver.Feed(Concat(Frame(side, Opcode.Text, "hello"u8), Frame(side, (Opcode)5, []))); // reserved opcode 5
        var output = new ArrayBufferWriter<byte>();

        engine.SendText("hello"u8, output);
        engine.CommitFailure();
        engine.WritePendingOutput(output);

        List<RecordedEvent> sent = Parse(side, output.WrittenSpan.ToArray());
        Assert.That(sent.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.TextMessage, ProtocolEventType.Close }));
        Assert.That(sent[1].CloseStatus.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(engine.State, Is.EqualTo(ConnectionState.Closing));
        Assert.That(engine.FailurePending, Is.False);
        Assert.That(() => engine.SendText("late"u8, output), Throws.InvalidOperationException);
    }

    [Test]
    public void DeferFailure_CloseStartedMeanwhile_SendsTheFailuresCode([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side) { DeferFailure = true };
        new EngineDriver(engine).Feed(Frame(side, Opcode.Continuation, "stray"u8));
        var output = new ArrayBufferWriter<byte>();

        engine.SendClose(new CloseStatus(CloseCode.NormalClosure), output);

        RecordedEvent close = Parse(side, output.WrittenSpan.ToArray()).Single();
        Assert.That(close.CloseStatus.Code, Is.EqualTo(CloseCode.ProtocolError), "the violation came first");
        Assert.That(engine.CloseSent?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void DeferFailure_FailCalledMeanwhile_CommitsTheViolation([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side) { DeferFailure = true };
        new EngineDriver(engine).Feed(Frame(side, (Opcode)13, []));

        engine.Fail(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout"));

        Assert.That(engine.CloseSent?.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(engine.State, Is.EqualTo(ConnectionState.Closing));
    }

    [Test]
    public void Default_ViolationQueuesTheCloseAtOnce([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side);
        var driver = new EngineDriver(engine);

        driver.Feed(Concat(Frame(side, Opcode.Text, "hello"u8), Frame(side, (Opcode)5, [])));

        Assert.That(engine.FailurePending, Is.False);
        Assert.That(engine.State, Is.EqualTo(ConnectionState.Closing));
        Assert.That(engine.HasPendingOutput, Is.True);
    }

    [Test]
    public void FragmentedMessageThenStrayContinuation_DeliversTheMessageBeforeFailing([Values] ConnectionSide side)
    {
        var driver = new EngineDriver(new ProtocolConnection(side) { DeferFailure = true });

        driver.Feed(Concat(
            Frame(side, Opcode.Text, "frag"u8, fin: false),
            Frame(side, Opcode.Continuation, "ment"u8),
            Frame(side, Opcode.Continuation, "stray"u8)));

        Assert.That(driver.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.TextMessage, ProtocolEventType.Failed }));
        Assert.That(driver.Events[0].Text, Is.EqualTo("fragment"));
        Assert.That(driver.Events[1].Error, Is.EqualTo(ProtocolError.UnexpectedContinuation));
    }

    [Test]
    public void PingInsideFragmentedTextThenInvalidUtf8_AnswersThePingBeforeTheClose([Values] ConnectionSide side, [Values] bool defer)
    {
        var engine = new ProtocolConnection(side, null, new FixedMaskKeyProvider(MaskKey)) { DeferFailure = defer };
        var driver = new EngineDriver(engine);

        driver.Feed(Concat(
            Frame(side, Opcode.Text, "ok"u8, fin: false),
            Frame(side, Opcode.Ping, "ping!"u8),
            Frame(side, Opcode.Continuation, [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]))); // U+D800 encoded: invalid
        engine.CommitFailure();

        List<RecordedEvent> sent = Parse(side, driver.TakeOutput());
        Assert.That(sent.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.Pong, ProtocolEventType.Close }));
        Assert.That(sent[0].Text, Is.EqualTo("ping!"));
        Assert.That(sent[1].CloseStatus.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void PingAfterEachFragment_OnePongPerPing_InOrder([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side, null, new FixedMaskKeyProvider(MaskKey));
        var driver = new EngineDriver(engine);
        var frames = new List<byte[]>();
        for (int i = 0; i < 15; i++)
        {
            frames.Add(Frame(side, i == 0 ? Opcode.Binary : Opcode.Continuation, new byte[64], fin: false));
            frames.Add(Frame(side, Opcode.Ping, [(byte)i]));
        }

        frames.Add(Frame(side, Opcode.Continuation, new byte[64]));
        driver.Feed(Concat([.. frames]));

        Assert.That(engine.OwedPongs, Is.EqualTo(15));
        List<RecordedEvent> pongs = Parse(side, driver.TakeOutput());
        Assert.That(pongs.Select(p => p.Type), Is.All.EqualTo(ProtocolEventType.Pong));
        Assert.That(pongs.Select(p => (int)p.Payload.Single()), Is.EqualTo(Enumerable.Range(0, 15)));
        Assert.That(driver.Events.Last().Type, Is.EqualTo(ProtocolEventType.BinaryMessage));
        Assert.That(driver.Events.Last().Payload, Has.Length.EqualTo(64 * 16));
    }

    [Test]
    public void PingFlood_OwedPongsStayBounded_AndTheNewestPingIsAnswered([Values] ConnectionSide side)
    {
        var engine = new ProtocolConnection(side, null, new FixedMaskKeyProvider(MaskKey));
        var driver = new EngineDriver(engine);
        byte[] payload = new byte[125];

        for (int i = 0; i < 1000; i++)
        {
            payload[0] = (byte)i;
            driver.Feed(Frame(side, Opcode.Ping, payload));
            Assert.That(engine.OwedPongs, Is.LessThanOrEqualTo(ProtocolConnection.MaxOwedPongs));
        }

        List<RecordedEvent> pongs = Parse(side, driver.TakeOutput());
        Assert.That(pongs, Has.Count.EqualTo(ProtocolConnection.MaxOwedPongs));
        Assert.That(pongs.Take(ProtocolConnection.MaxOwedPongs - 1).Select(p => (int)p.Payload[0]), Is.EqualTo(Enumerable.Range(0, ProtocolConnection.MaxOwedPongs - 1)), "the first pings keep their own pongs");
        Assert.That(pongs.Last().Payload[0], Is.EqualTo((byte)(999 % 256)), "the newest ping is answered");
    }

    [Test]
    public void CompressedFrame_IncompressibleMessageAtTheLimit_IsAccepted([Values] ConnectionSide side)
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate(DeflateAgreements.NoThreshold, DeflateAgreements.NoThreshold);
        var receiver = new ProtocolConnection(side, null, null, side == ConnectionSide.Server ? server : client);
        var sender = new ProtocolConnection(side == ConnectionSide.Server ? ConnectionSide.Client : ConnectionSide.Server, null, new FixedMaskKeyProvider(MaskKey), side == ConnectionSide.Server ? client : server);
        byte[] message = RandomNumberGenerator.GetBytes((int)ProtocolLimits.Default.MaxMessageSize);
        var wire = new ArrayBufferWriter<byte>();
        sender.SendBinary(message, wire);
        Assert.That(wire.WrittenCount - 14, Is.GreaterThan(ProtocolLimits.Default.MaxFrameSize), "the deflated frame is larger than the message");

        var driver = new EngineDriver(receiver);
        driver.Feed(wire.WrittenSpan.ToArray());

        Assert.That(driver.Single().Type, Is.EqualTo(ProtocolEventType.BinaryMessage));
        Assert.That(driver.Single().Payload, Is.EqualTo(message));
    }

    [Test]
    public void CompressedFrame_BeyondDeflatesGrowth_IsTooBig([Values] ConnectionSide side)
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate();
        var limits = new ProtocolLimits { MaxFrameSize = 1000, MaxMessageSize = 1000 };
        var receiver = new ProtocolConnection(side, limits, null, side == ConnectionSide.Server ? server : client);
        long limit = ProtocolConnection.CompressedFrameLimit(1000);

        var driver = new EngineDriver(receiver);
        driver.Feed(Frame(side, Opcode.Binary, new byte[limit + 1], rsv: 0b100));

        Assert.That(driver.Single().Error, Is.EqualTo(ProtocolError.FrameTooBig));
        Assert.That(limit, Is.InRange(1000 + 125, 1000 + 200));
    }

    [Test]
    public void UncompressedFrame_OneByteOverTheLimit_IsStillTooBig([Values] ConnectionSide side)
    {
        (PerMessageDeflate client, PerMessageDeflate server) = DeflateAgreements.Negotiate();
        var limits = new ProtocolLimits { MaxFrameSize = 1000 };
        var driver = new EngineDriver(new ProtocolConnection(side, limits, null, side == ConnectionSide.Server ? server : client));

        driver.Feed(Frame(side, Opcode.Binary, new byte[1001]));

        Assert.That(driver.Single().Error, Is.EqualTo(ProtocolError.FrameTooBig));
    }

    /// <summary>A frame as the peer of a <paramref name="side"/> engine sends it: masked toward a server, unmasked toward a client.</summary>
    private static byte[] Frame(ConnectionSide side, Opcode opcode, ReadOnlySpan<byte> payload, bool fin = true, byte rsv = 0)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(writer, opcode, fin, payload, side == ConnectionSide.Server ? MaskKey : null, rsv);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Parses what a <paramref name="side"/> engine wrote, as its peer does.</summary>
    private static List<RecordedEvent> Parse(ConnectionSide side, byte[] written)
    {
        var peer = new EngineDriver(new ProtocolConnection(side == ConnectionSide.Server ? ConnectionSide.Client : ConnectionSide.Server));
        peer.Feed(written);
        return peer.Events;
    }
}
