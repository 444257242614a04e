using System;
using System.Buffers;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>
/// <see cref="ProtocolConnection.TryTakeMessageBuffer"/> (issue 7): a large payload's pooled array
/// changes owner instead of being copied; the engine never writes into an array it gave away.
/// </summary>
[TestFixture]
public sealed class TakeMessageBufferTests
{
    private const int Large = ProtocolConnection.RetainedBufferSize + 1;

    /// <summary>Masked client frames for <paramref name="payloads"/>: binary, in frames of <paramref name="fragment"/> bytes (0: one frame each).</summary>
    private static byte[] ClientFrames(int fragment, params byte[][] payloads) => ClientFrames(null, fragment, payloads);

    private static byte[] ClientFrames(PerMessageDeflate? compression, int fragment, params byte[][] payloads)
    {
        var client = new ProtocolConnection(ConnectionSide.Client, null, new FixedMaskKeyProvider(0x3d21fa37), compression);
        var output = new ArrayBufferWriter<byte>();
        foreach (byte[] payload in payloads)
        {
            if (fragment <= 0 || payload.Length <= fragment)
            {
                client.SendBinary(payload, output);
                continue;
            }

            client.SendBinary(payload.AsSpan(0, fragment), output, fin: false);
            for (int offset = fragment; offset < payload.Length; offset += fragment)
            {
                int length = Math.Min(fragment, payload.Length - offset);
                client.SendContinuation(payload.AsSpan(offset, length), output, fin: offset + length == payload.Length);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Feeds <paramref name="data"/> and reads the one event it produces.</summary>
    private static ProtocolEvent ReceiveOne(ProtocolConnection server, ref ReadOnlySequence<byte> data)
    {
        server.ReceiveData(data, out SequencePosition consumed, out _);
        data = data.Slice(consumed);
        Assert.That(server.TryReadEvent(out ProtocolEvent protocolEvent), Is.True, "an event");
        return protocolEvent;
    }

    [TestCase(0)]
    [TestCase(5000)]
    public void LargeMessage_BufferIsTaken_AndTheNextMessageGoesElsewhere(int fragment)
    {
        byte[] first = Pattern(Large + 1000, 1);
        byte[] second = Pattern(Large + 1000, 2);
        var server = new ProtocolConnection(ConnectionSide.Server);
        var data = new ReadOnlySequence<byte>(ClientFrames(fragment, first, second));

        ProtocolEvent one = ReceiveOne(server, ref data);
        Assert.That(one.Payload.ToArray(), Is.EqualTo(first));
        Assert.That(server.TryTakeMessageBuffer(out byte[]? taken), Is.True);
        Assert.That(taken.AsSpan(0, first.Length).SequenceEqual(first), "the taken array holds the payload");
        Assert.That(server.TryTakeMessageBuffer(out _), Is.False, "taken once");

        ProtocolEvent two = ReceiveOne(server, ref data);

        Assert.That(two.Payload.ToArray(), Is.EqualTo(second));
        Assert.That(taken.AsSpan(0, first.Length).SequenceEqual(first), "the engine did not write into the taken array");
        ArrayPool<byte>.Shared.Return(taken!);
    }

    [Test]
    public void SmallMessage_IsNotTaken()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        var data = new ReadOnlySequence<byte>(ClientFrames(0, Pattern(ProtocolConnection.RetainedBufferSize, 3)));

        ReceiveOne(server, ref data);

        Assert.That(server.TryTakeMessageBuffer(out byte[]? taken), Is.False);
        Assert.That(taken, Is.Null);
    }

    [Test]
    public void NothingDelivered_OrParsingMovedOn_NothingToTake()
    {
        var server = new ProtocolConnection(ConnectionSide.Server);
        Assert.That(server.TryTakeMessageBuffer(out _), Is.False, "before any message");

        var data = new ReadOnlySequence<byte>(ClientFrames(0, Pattern(Large, 4)));
        ReceiveOne(server, ref data);
        server.ReceiveData(data, out _, out _); // nothing left: parsing moves on, the buffer is released

        Assert.That(server.TryTakeMessageBuffer(out _), Is.False, "after the next ReceiveData");
    }

    [Test]
    public void CompressedMessage_InflatedBufferIsTaken()
    {
        (PerMessageDeflate client, PerMessageDeflate serverSide) = DeflateAgreements.Negotiate();
        byte[] payload = new byte[Large * 3];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i % 11);
        }

        byte[] frames = ClientFrames(client, 0, payload);
        Assert.That(frames, Has.Length.LessThan(payload.Length / 4), "compressed on the wire");
        var server = new ProtocolConnection(ConnectionSide.Server, null, null, serverSide);
        var data = new ReadOnlySequence<byte>(frames);

        ProtocolEvent message = ReceiveOne(server, ref data);

        Assert.That(server.TryTakeMessageBuffer(out byte[]? taken), Is.True);
        Assert.That(taken.AsSpan(0, message.Payload.Length).SequenceEqual(payload), "the inflated payload");
        ArrayPool<byte>.Shared.Return(taken!);
    }
}
