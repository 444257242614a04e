using System.Linq;
using System.Text;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.4")]
public sealed class FragmentationTests
{
    [TestCase(int.MaxValue)]
    [TestCase(1)]
    public void ReceiveData_TwoFragments_AreReassembled(int chunk)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("010348656c" + "80026c6f", chunk); // text "Hel" (FIN clear) + continuation "lo" (FIN)

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.TextMessage));
        Assert.That(client.Single().Text, Is.EqualTo("Hello"));
    }

    [Test]
    public void ReceiveData_PingBetweenFragments_IsHandledFirst()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("020161" + "890170" + "800162"); // binary "a", ping "p", continuation "b"

        Assert.That(client.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.Ping, ProtocolEventType.BinaryMessage }));
        Assert.That(client.Events[1].Text, Is.EqualTo("ab"));
        Assert.That(client.Engine.HasPendingOutput, Is.True, "the ping is answered");
    }

    [Test]
    public void ReceiveData_EmptyFragments_AreLegal()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("0100" + "0000" + "0000" + "8000"); // text with four empty frames

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.TextMessage));
        Assert.That(client.Single().Payload, Is.Empty);
    }

    [Test]
    public void ReceiveData_ContinuationWithoutMessage_FailsWith1002()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("800161");

        FrameValidationTests.AssertFailed(client, ProtocolError.UnexpectedContinuation, CloseCode.ProtocolError);
    }

    [TestCase("010161" + "810162")] // text during text
    [TestCase("020161" + "810162")] // text during binary
    [TestCase("010161" + "020162")] // binary during text (FIN clear)
    public void ReceiveData_NewDataFrameDuringFragmentedMessage_FailsWith1002(string hex)
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed(hex);

        FrameValidationTests.AssertFailed(client, ProtocolError.ExpectedContinuation, CloseCode.ProtocolError);
    }

    [Test]
    public void ReceiveData_ManyMessagesInOneChunk_AreAllDelivered()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        string hex = string.Concat(Enumerable.Range(0, 100).Select(i => "8201" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

        client.Feed(hex);

        Assert.That(client.Events.Select(e => (int)e.Payload[0]), Is.EqualTo(Enumerable.Range(0, 100)));
    }

    [Test]
    public void ReceiveData_LargeFragmentedMessage_IsReassembledAcrossManyChunks()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        byte[] part = Encoding.ASCII.GetBytes(new string('x', 70000));
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteFrame(writer, Opcode.Binary, false, part, null);
        FrameWriter.WriteFrame(writer, Opcode.Continuation, false, part, null);
        FrameWriter.WriteFrame(writer, Opcode.Continuation, true, part, null);

        client.FeedRandomly(writer.WrittenSpan.ToArray(), new System.Random(7));

        Assert.That(client.Single().Payload, Has.Length.EqualTo(210000));
        Assert.That(client.Single().Payload.All(b => b == (byte)'x'), Is.True);
    }
}
