using System.Buffers;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>Every limit at N (accepted) and N + 1 (rejected with 1009), empty fragments counted.</summary>
[TestFixture]
[Description("RFC 6455 §10.4")]
public sealed class LimitsTests
{
    [Test]
    public void ProtocolLimits_Defaults_AreDocumentedValues()
    {
        ProtocolLimits limits = ProtocolLimits.Default;

        Assert.That(limits.MaxMessageSize, Is.EqualTo(1024 * 1024));
        Assert.That(limits.MaxFrameSize, Is.EqualTo(1024 * 1024));
        Assert.That(limits.MaxFragments, Is.EqualTo(1024));
        Assert.That(limits.MaxHeaderLineLength, Is.EqualTo(8192));
        Assert.That(limits.MaxHeaderCount, Is.EqualTo(128));
    }

    [TestCase(1000, true)]
    [TestCase(1001, false)]
    public void MaxMessageSize_SingleFrame(int size, bool accepted)
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 1000 });

        client.Feed(Frames((Opcode.Binary, true, size)));

        AssertOutcome(client, accepted, ProtocolError.MessageTooBig);
    }

    [TestCase(1000, true)]
    [TestCase(1001, false)]
    public void MaxMessageSize_AcrossFragments(int size, bool accepted)
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 1000 });

        client.Feed(Frames((Opcode.Text, false, 400), (Opcode.Continuation, false, 400), (Opcode.Continuation, true, size - 800)));

        AssertOutcome(client, accepted, ProtocolError.MessageTooBig);
    }

    [Test]
    public void MaxMessageSize_IsCheckedFromTheHeader_BeforeThePayloadArrives()
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 1000, MaxFrameSize = 0 });

        client.Feed("827f0000000100000000"); // header of a 4 GiB binary frame, no payload

        FrameValidationTests.AssertFailed(client, ProtocolError.MessageTooBig, CloseCode.MessageTooBig);
    }

    [Test]
    public void MaxMessageSize_Default_Accepts1MiB_Rejects1MiBPlus1()
    {
        var ok = new EngineDriver(ConnectionSide.Client);
        var tooBig = new EngineDriver(ConnectionSide.Client);

        ok.Feed(Frames((Opcode.Binary, false, 1024 * 1024 - 1), (Opcode.Continuation, true, 1)));
        tooBig.Feed(Frames((Opcode.Binary, false, 1024 * 1024), (Opcode.Continuation, true, 1)));

        AssertOutcome(ok, true, ProtocolError.MessageTooBig);
        AssertOutcome(tooBig, false, ProtocolError.MessageTooBig);
    }

    [TestCase(500, true)]
    [TestCase(501, false)]
    public void MaxFrameSize(int size, bool accepted)
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxFrameSize = 500 });

        client.Feed(Frames((Opcode.Binary, false, 500), (Opcode.Continuation, true, size)));

        AssertOutcome(client, accepted, ProtocolError.FrameTooBig);
    }

    [TestCase(10, true)]
    [TestCase(11, false)]
    public void MaxFragments_CountsEmptyFragments(int frames, bool accepted)
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxFragments = 10 });
        var list = Enumerable.Range(0, frames)
            .Select(i => (i == 0 ? Opcode.Binary : Opcode.Continuation, i == frames - 1, 0))
            .ToArray();

        client.Feed(Frames(list));

        AssertOutcome(client, accepted, ProtocolError.TooManyFragments);
    }

    [Test]
    public void MaxFragments_ResetsBetweenMessages()
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxFragments = 2 });

        client.Feed(Frames((Opcode.Text, false, 1), (Opcode.Continuation, true, 1), (Opcode.Text, false, 1), (Opcode.Continuation, true, 1)));

        Assert.That(client.Events.Select(e => e.Type), Is.EqualTo(new[] { ProtocolEventType.TextMessage, ProtocolEventType.TextMessage }));
    }

    [Test]
    public void NoLimits_AcceptsLargeMessages()
    {
        var client = new EngineDriver(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 0, MaxFrameSize = 0, MaxFragments = 0 });

        client.Feed(Frames((Opcode.Binary, false, 2 * 1024 * 1024), (Opcode.Continuation, true, 1)));

        Assert.That(client.Single().Payload, Has.Length.EqualTo(2 * 1024 * 1024 + 1));
    }

    private static void AssertOutcome(EngineDriver driver, bool accepted, ProtocolError error)
    {
        if (accepted)
        {
            Assert.That(driver.Events.Single().Type, Is.AnyOf(ProtocolEventType.TextMessage, ProtocolEventType.BinaryMessage));
            Assert.That(driver.Engine.State, Is.EqualTo(ConnectionState.Open));
        }
        else
        {
            FrameValidationTests.AssertFailed(driver, error, CloseCode.MessageTooBig);
            Assert.That(driver.Events, Has.Count.EqualTo(1), "nothing is delivered");
        }
    }

    /// <summary>Unmasked frames of 'a' bytes, as a server sends them to a client.</summary>
    private static byte[] Frames(params (Opcode Opcode, bool Fin, int Length)[] frames)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach ((Opcode opcode, bool fin, int length) in frames)
        {
            FrameWriter.WriteFrame(writer, opcode, fin, Enumerable.Repeat((byte)'a', length).ToArray(), null);
        }

        return writer.WrittenSpan.ToArray();
    }
}
