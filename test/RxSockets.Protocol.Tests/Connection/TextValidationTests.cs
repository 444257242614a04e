using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §8.1")]
public sealed class TextValidationTests
{
    [Test]
    public void ReceiveData_InvalidUtf8InSingleFrame_FailsWith1007()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("8102c0af"); // overlong "/"

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_InvalidUtf8InBinary_IsFine()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("8202c0af");

        Assert.That(client.Single().Type, Is.EqualTo(ProtocolEventType.BinaryMessage));
    }

    [Test]
    public void ReceiveData_InvalidUtf8InFirstFragment_FailsBeforeTheMessageEnds()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        // "κόσμε" then a surrogate ED A0 80 in a non-final fragment: fail now, not at FIN.
        client.Feed("010ecebae1bdb9cf83cebcceb5eda080");

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_InvalidUtf8InPartOfAFrame_FailsBeforeTheFrameEnds()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        // A 10-byte text frame of which only "a" F4 90 arrived: F4 90 can never be valid.
        client.Feed("810a61f490");

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_CharacterSplitAcrossFragments_IsValid()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("0102f09f" + "0001" + "98" + "800180"); // 😀 = F0 9F 98 80 over three frames

        Assert.That(client.Single().Text, Is.EqualTo("😀"));
    }

    [Test]
    public void ReceiveData_MessageEndsInsideCharacter_FailsWith1007()
    {
        var client = new EngineDriver(ConnectionSide.Client);

        client.Feed("0102f09f" + "800198"); // F0 9F 98 then FIN

        FrameValidationTests.AssertFailed(client, ProtocolError.InvalidUtf8, CloseCode.InvalidPayloadData);
    }

    [Test]
    public void ReceiveData_ValidMultilingualText_ByteByByte()
    {
        var client = new EngineDriver(ConnectionSide.Client);
        string text = "Hello-µ@ßöäüàá-UTF-8!! κόσμε 😀";
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteTextFrame(writer, Opcode.Text, true, text, null);

        client.Feed(writer.WrittenSpan.ToArray(), 1);

        Assert.That(client.Events.Single().Text, Is.EqualTo(text));
    }
}
