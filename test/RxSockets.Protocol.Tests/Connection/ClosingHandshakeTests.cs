using System;
using System.Buffers;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.5.1, §7")]
public sealed class ClosingHandshakeTests
{
    private static readonly int[] s_validCodes =
        [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];

    private static readonly int[] s_invalidCodes =
        [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

    [Test]
    public void ReceiveData_CloseWithValidCode_IsEchoed([ValueSource(nameof(s_validCodes))] int code)
    {
        var client = new EngineDriver(ConnectionSide.Client);
        byte[] frame = [0x88, 0x04, (byte)(code >> 8), (byte)code, (byte)'o', (byte)'k'];

        client.Feed(frame);

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.Close));
        Assert.That((int)client.Single().CloseStatus.Code, Is.EqualTo(code));
        Assert.That(client.Single().CloseStatus.Reason, Is.EqualTo("ok"));
        Assert.That(client.Engine.CloseReceived, Is.EqualTo(new CloseStatus((CloseCode)code, "ok")));
        Assert.That(client.Engine.CloseSent, Is.EqualTo(client.Engine.CloseReceived));
        Assert.That(client.Engine.CloseReceivedThenSent, Is.True);
        byte[] echo = client.TakeOutput(); // masked: 88 84 key + masked payload
        Assert.That(echo[0], Is.EqualTo(0x88));
        Assert.That(echo[1], Is.EqualTo(0x84));
        byte[] unmasked = echo[6..];
        Masking.Apply(unmasked, 0x3d21fa37, 0);
        Assert.That(unmasked, Is.EqualTo(frame[2..]));
    }

    [Test]
    public void ReceiveData_CloseWithInvalidCode_FailsWith1002([ValueSource(nameof(s_invalidCodes))] int code)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed([0x88, 0x02, (byte)(code >> 8), (byte)code]);

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidCloseCode, CloseCode.ProtocolError);
        Assert.That(client.Engine.CloseReceived, Is.Null);
    }

    [Test]
    public void CloseStatus_IsValidOnWire_MatchesTheRegistry()
    {
        int[] valid = Enumerable.Range(0, 65536).Where(CloseStatus.IsValidOnWire).ToArray();

        Assert.That(valid, Is.EqualTo(Enumerable.Range(1000, 4).Concat(Enumerable.Range(1007, 8)).Concat(Enumerable.Range(3000, 2000))));
    }

    [Test]
    public void ReceiveData_CloseWithOneBytePayload_FailsWith1002()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("880103");

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidClosePayload, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_CloseWithInvalidUtf8Reason_FailsWith1007()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("880403e8c0af");

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_EmptyClose_Reports1005AndEchoesEmpty()
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Feed("888037fa213d"); // masked, empty close

        Assert.That(server.Single().CloseStatus.Code, Is.EqualTo(CloseCode.NoStatusReceived));
        Assert.That(server.Single().CloseStatus.IsNormal, Is.True);
        Assert.That(Hex.Of(server.TakeOutput()), Is.EqualTo("8800"));
    }

    [Test]
    public void ReceiveData_ServerReceivesCloseFirst_EchoesAndClosesTransport()
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Feed("888237fa213d34" + Hex.Of([(byte)(0xe8 ^ 0xfa)])); // masked close 1000

        Assert.That(server.Engine.State, Is.EqualTo(ConnectionState.Closing));
        Assert.That(server.Engine.IsCloseHandshakeComplete, Is.True);
        Assert.That(server.Engine.ShouldCloseTransport, Is.True, "§7.1.1: the server closes TCP first");
        Assert.That(Hex.Of(server.TakeOutput()), Is.EqualTo("880203e8"));
        server.ReceiveEof();
        Assert.That(server.Engine.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(server.Events, Has.Count.EqualTo(1), "EOF after the handshake is not a failure");
    }

    [Test]
    public void ReceiveData_ClientReceivesCloseFirst_WaitsForServerToCloseTransport()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("880203e9"); // close 1001

        Assert.That(client.Engine.ShouldCloseTransport, Is.False);
        Assert.That(client.Engine.CloseExpected, Is.True);
        client.ReceiveEof();
        Assert.That(client.Engine.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(client.Engine.ShouldCloseTransport, Is.True);
        Assert.That(client.Engine.Error, Is.EqualTo(ProtocolError.None));
    }

    [Test]
    public void SendClose_ThenPeerCloses_CompletesHandshake()
    {
        var server = new EngineDriver(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        server.Engine.SendClose(new CloseStatus(CloseCode.GoingAway, "bye"), output);

        Assert.That(Hex.Of(output.WrittenSpan), Is.EqualTo("880503e9" + Hex.Of("bye"u8)));
        Assert.That(server.Engine.State, Is.EqualTo(ConnectionState.Closing));
        Assert.That(server.Engine.ShouldCloseTransport, Is.False);

        server.Feed("8182000000007879" + "888237fa213d34" + Hex.Of([(byte)(0xe9 ^ 0xfa)])); // data "xy" still arrives, then close 1001

        Assert.That(server.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.TextMessage, ProtocolEventType.Close }));
        Assert.That(server.Events[0].Text, Is.EqualTo("xy"));
        Assert.That(server.Engine.CloseReceivedThenSent, Is.False);
        Assert.That(server.Engine.ShouldCloseTransport, Is.True);
        Assert.That(server.Engine.HasPendingOutput, Is.False, "no second close frame");
    }

    [Test]
    public void ReceiveData_DataAfterClose_IsIgnored()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("880203e8" + "810161" + "890100");

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.Close));
    }

    [Test]
    public void ReceiveData_PingAfterSendingClose_IsNotAnswered()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        client.Engine.SendClose(new CloseStatus(CloseCode.NormalClosure), new ArrayBufferWriter<byte>());

        client.Feed("890100");

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.Ping));
        Assert.That(client.Engine.HasPendingOutput, Is.False, "§5.5.1: nothing may follow a close frame");
    }

    [Test]
    public void Send_AfterClose_Throws()
    {
        var engine = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();
        engine.SendClose(null, output);

        Assert.That(() => engine.SendText("x", output), Throws.InvalidOperationException);
        Assert.That(() => engine.SendPing([], output), Throws.InvalidOperationException);
        Assert.That(() => engine.SendClose(null, output), Throws.InvalidOperationException);
        Assert.That(engine.CloseSent?.Code, Is.EqualTo(CloseCode.NoStatusReceived));
    }

    [TestCase(1005)]
    [TestCase(1006)]
    [TestCase(1015)]
    [TestCase(999)]
    public void SendClose_CodeNotAllowedOnWire_Throws(int code)
    {
        var engine = new ProtocolConnection(ConnectionSide.Server);

        Assert.That(() => engine.SendClose(new CloseStatus((CloseCode)code), new ArrayBufferWriter<byte>()), Throws.ArgumentException);
        Assert.That(engine.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public void SendClose_ReasonOf123BytesFits_124Throws()
    {
        var engine = new ProtocolConnection(ConnectionSide.Server);
        var output = new ArrayBufferWriter<byte>();

        Assert.That(() => engine.SendClose(new CloseStatus(CloseCode.NormalClosure, new string('r', 124)), output), Throws.ArgumentException);
        engine.SendClose(new CloseStatus(CloseCode.NormalClosure, new string('r', 123)), output);
        Assert.That(output.WrittenCount, Is.EqualTo(2 + 125));
    }

    [Test]
    public void Fail_ByCaller_SendsStatusAndDiscardsInput()
    {
        var server = new EngineDriver(ConnectionSide.Server);

        server.Engine.Fail(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout"));
        server.Feed("818537fa213d7f9f4d5158");

        Assert.That(Hex.Of(server.TakeOutput()), Is.EqualTo("881803f3" + Hex.Of("keepalive ping timeout"u8)));
        Assert.That(server.Events, Is.Empty);
        Assert.That(server.Engine.ShouldCloseTransport, Is.True);
        Assert.That(server.Engine.State, Is.EqualTo(ConnectionState.Closing));
    }

    [Test]
    public void ReceiveEof_WhileOpen_IsAbnormalClosure()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.ReceiveEof();

        FrameValidationTests.AssertFailed(client, ProtocolError.UnexpectedEndOfStream, CloseCode.AbnormalClosure);
        Assert.That(client.Engine.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(client.Engine.CloseSent, Is.Null, "no close frame on a dead transport");
        Assert.That(client.Engine.HasPendingOutput, Is.False);
    }

    [Test]
    public void ReceiveEof_InTheMiddleOfAFrame_IsAbnormalClosure()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("810548");
        client.ReceiveEof();

        FrameValidationTests.AssertFailed(client, ProtocolError.UnexpectedEndOfStream, CloseCode.AbnormalClosure);
    }

    [Test]
    public void ReceiveEof_AfterSendingClose_WithoutReply_IsAbnormal()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        client.Engine.SendClose(new CloseStatus(CloseCode.NormalClosure), new ArrayBufferWriter<byte>());

        client.ReceiveEof();

        Assert.That(client.Engine.Error, Is.EqualTo(ProtocolError.UnexpectedEndOfStream));
        Assert.That(client.Engine.CloseReceived, Is.Null);
        Assert.That(client.Engine.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test]
    public void CloseStatus_NullAndEmptyReason_AreEqual()
    {
        Assert.That(new CloseStatus(CloseCode.NormalClosure), Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, string.Empty)));
        Assert.That(new CloseStatus(CloseCode.NormalClosure).GetHashCode(), Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, string.Empty).GetHashCode()));
        Assert.That(default(CloseStatus).Reason, Is.Empty);
        Assert.That(new CloseStatus(CloseCode.NormalClosure, "a"), Is.Not.EqualTo(new CloseStatus(CloseCode.NormalClosure, "b")));
    }
}
