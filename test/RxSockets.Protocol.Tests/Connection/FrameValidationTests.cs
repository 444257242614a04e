using System;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>Which frames an endpoint accepts, and the close code it fails with otherwise.</summary>
[TestFixture]
[Description("RFC 6455 §5.1–§5.5")]
public sealed class FrameValidationTests
{
    private static readonly int[] s_chunkSizes = [int.MaxValue, 1, 2, 3, 7];

    [Test]
    public void ReceiveData_ServerReceivesMaskedText_DeliversMessage([ValueSource(nameof(s_chunkSizes))] int chunk)
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Feed("818537fa213d7f9f4d5158", chunk); // FIN text, MASK, len 5, key 37fa213d, "Hello" masked

        Assert.That(server.Single().Type, Is.EqualTo(ProtocolEventType.TextMessage));
        Assert.That(server.Single().Text, Is.EqualTo("Hello"));
        Assert.That(server.Engine.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public void ReceiveData_ClientReceivesUnmaskedBinary_DeliversMessage([ValueSource(nameof(s_chunkSizes))] int chunk)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("8203010203", chunk); // FIN binary, len 3

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.BinaryMessage));
        Assert.That(client.Single().Payload, Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void ReceiveData_ServerReceivesUnmaskedFrame_FailsWith1002()
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Feed("810548656c6c6f"); // FIN text, no MASK

        AssertFailed(server, ProtocolError.UnmaskedFrame, CloseCode.ProtocolError);
        // The server's close frame is unmasked: 88, len, 03ea, "incorrect masking"
        Assert.That(Hex.Of(server.TakeOutput()), Is.EqualTo("881303ea" + Hex.Of("incorrect masking"u8)));
        Assert.That(server.Engine.ShouldCloseTransport, Is.True, "§7.1.1: the server closes TCP first");
    }

    [Test]
    public void ReceiveData_ClientReceivesMaskedFrame_FailsWith1002()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("818537fa213d7f9f4d5158");

        AssertFailed(client, ProtocolError.MaskedFrame, CloseCode.ProtocolError);
        Assert.That(client.Engine.ShouldCloseTransport, Is.False, "the client waits for the server to close TCP");
        byte[] output = client.TakeOutput();
        Assert.That(output[1] & 0x80, Is.EqualTo(0x80), "the client's close frame is masked");
    }

    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(0xB)]
    [TestCase(0xC)]
    [TestCase(0xD)]
    [TestCase(0xE)]
    [TestCase(0xF)]
    public void ReceiveData_ReservedOpcode_FailsWith1002(int opcode)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed([(byte)(0x80 | opcode), 0x00]);

        AssertFailed(client, ProtocolError.ReservedOpcode, CloseCode.ProtocolError);
    }

    [TestCase(0x40)] // RSV1
    [TestCase(0x20)] // RSV2
    [TestCase(0x10)] // RSV3
    public void ReceiveData_ReservedBitWithoutExtension_FailsWith1002(int rsv)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed([(byte)(0x81 | rsv), 0x00]);

        AssertFailed(client, ProtocolError.ReservedBitsSet, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_64BitLengthWithTopBitSet_FailsWith1002()
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxFrameSize = 0, MaxMessageSize = 0 });

        client.Feed("827f8000000000000000");

        AssertFailed(client, ProtocolError.InvalidPayloadLength, CloseCode.ProtocolError);
    }

    [TestCase(Opcode.Ping)]
    [TestCase(Opcode.Pong)]
    [TestCase(Opcode.Close)]
    public void ReceiveData_ControlFrameOver125Bytes_FailsWith1002(Opcode opcode)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed([(byte)(0x80 | (byte)opcode), 126, 0x00, 126, .. new byte[126]]);

        AssertFailed(client, ProtocolError.ControlFrameTooLong, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_ControlFrameOf125Bytes_IsAccepted()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        byte[] payload = Enumerable.Range(0, 125).Select(i => (byte)i).ToArray();

        client.Feed([0x89, 125, .. payload]);

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.Ping));
        Assert.That(client.Single().Payload, Is.EqualTo(payload));
    }

    [TestCase(Opcode.Ping)]
    [TestCase(Opcode.Pong)]
    [TestCase(Opcode.Close)]
    public void ReceiveData_FragmentedControlFrame_FailsWith1002(Opcode opcode)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed([(byte)opcode, 0x00]); // FIN clear

        AssertFailed(client, ProtocolError.FragmentedControlFrame, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_Ping_IsAnsweredWithPongCarryingSamePayload()
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Feed("898537fa213d7f9f4d5158"); // masked ping "Hello"

        Assert.That(server.Single().Type, Is.EqualTo(ProtocolEventType.Ping));
        Assert.That(server.Single().Text, Is.EqualTo("Hello"));
        Assert.That(server.Engine.HasPendingOutput, Is.True);
        Assert.That(Hex.Of(server.TakeOutput()), Is.EqualTo("8a0548656c6c6f")); // unmasked pong "Hello"
        Assert.That(server.Engine.HasPendingOutput, Is.False);
    }

    [Test]
    public void ReceiveData_ManyPingsBeforeOutputIsWritten_AnswersEachInOrder()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("890131" + "890132" + "890133"); // pings "1", "2", "3"

        Assert.That(client.Events.Select(e => e.Text), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(client.Engine.OwedPongs, Is.EqualTo(3));
        // Three masked pongs: 8a 81 key, payload ^ 0x37
        string pong(char c) => "8a8137fa213d" + Hex.Of([(byte)(c ^ 0x37)]);
        Assert.That(Hex.Of(client.TakeOutput()), Is.EqualTo(pong('1') + pong('2') + pong('3')));
        Assert.That(client.Engine.OwedPongs, Is.Zero);
    }

    [Test]
    public void ReceiveData_UnsolicitedPong_IsSurfacedAndNotAnswered()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("8a026869");

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.Pong));
        Assert.That(client.Single().Text, Is.EqualTo("hi"));
        Assert.That(client.Engine.HasPendingOutput, Is.False);
    }

    [Test]
    public void ReceiveData_AfterFailure_IgnoresEverything()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("8300" + "810161" + "8a00");

        AssertFailed(client, ProtocolError.ReservedOpcode, CloseCode.ProtocolError);
        Assert.That(client.Events, Has.Count.EqualTo(1));
    }

    [Test]
    public void ReceiveData_WithUnreadEvents_ConsumesNothing()
    {
        var engine = new ProtocolConnection(ConnectionSide.Client);
        var input = new System.Buffers.ReadOnlySequence<byte>(Hex.Bytes("810161810162"));
        engine.ReceiveData(input, out SequencePosition consumed, out _);
        Assert.That(input.Slice(0, consumed).Length, Is.EqualTo(3), "parsing stops after the first message");

        engine.ReceiveData(input.Slice(consumed), out SequencePosition again, out _);

        Assert.That(input.Slice(consumed).Slice(0, again).Length, Is.Zero);
    }

    [Test]
    public void CloseCodeFor_EveryError_HasOneCode()
    {
        foreach (ProtocolError error in Enum.GetValues<ProtocolError>())
        {
            CloseCode expected = error switch
            {
                ProtocolError.InvalidUtf8 or ProtocolError.InvalidCompressedData => CloseCode.InvalidPayloadData,
                ProtocolError.MessageTooBig or ProtocolError.FrameTooBig or ProtocolError.TooManyFragments => CloseCode.MessageTooBig,
                ProtocolError.UnexpectedEndOfStream => CloseCode.AbnormalClosure,
                ProtocolError.InternalError or ProtocolError.None => CloseCode.InternalError,
                _ => CloseCode.ProtocolError,
            };
            Assert.That(ProtocolConnection.CloseCodeFor(error), Is.EqualTo(expected), error.ToString());
            Assert.That(System.Text.Encoding.UTF8.GetByteCount(ProtocolConnection.ReasonFor(error)), Is.LessThanOrEqualTo(CloseStatus.MaxReasonBytes));
        }

        Assert.That(ProtocolConnection.ReasonFor(ProtocolError.InternalError), Is.Empty, "internal errors do not leak details");
    }

    internal static void AssertFailed(EngineDriver driver, ProtocolError error, CloseCode code)
    {
        RecordedEvent failed = driver.Events.Last();
        Assert.That(failed.Type, Is.EqualTo(ProtocolEventType.Failed), string.Join("; ", driver.Events));
        Assert.That(failed.Error, Is.EqualTo(error));
        Assert.That(failed.CloseStatus.Code, Is.EqualTo(code));
        Assert.That(driver.Engine.Error, Is.EqualTo(error));
        if (code != CloseCode.AbnormalClosure)
        {
            Assert.That(driver.Engine.CloseSent?.Code, Is.EqualTo(code));
            Assert.That(driver.Engine.State, Is.EqualTo(ConnectionState.Closing));
            Assert.That(driver.Engine.CloseExpected, Is.True);
        }
    }
}
