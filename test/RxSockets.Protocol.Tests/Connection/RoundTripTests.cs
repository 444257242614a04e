using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

/// <summary>Property-style tests: random messages, random fragmentation, random chunking, both directions.</summary>
[TestFixture]
public sealed class RoundTripTests
{
    private static readonly string[] s_characters = ["a", "é", "€", "😀"];

    [TestCase(ConnectionSide.Client, 1)]
    [TestCase(ConnectionSide.Client, 2)]
    [TestCase(ConnectionSide.Server, 3)]
    [TestCase(ConnectionSide.Server, 4)]
    public void RandomMessages_SurviveRandomChunking(ConnectionSide senderSide, int seed)
    {
        var random = new Random(seed);
        var sender = new ProtocolConnection(senderSide);
        var receiver = new EngineDriver(new ProtocolConnection(senderSide == ConnectionSide.Client ? ConnectionSide.Server : ConnectionSide.Client));
        var output = new ArrayBufferWriter<byte>();
        var expected = new List<(ProtocolEventType Type, byte[] Payload)>();

        for (int m = 0; m < 200; m++)
        {
            bool text = random.Next(2) == 0;
            int length = random.Next(4) switch { 0 => random.Next(126), 1 => random.Next(126, 70000), _ => random.Next(10) };
            byte[] payload = text
                ? System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, length).Select(_ => s_characters[random.Next(s_characters.Length)])))
                : Enumerable.Range(0, length).Select(_ => (byte)random.Next(256)).ToArray();
            expected.Add((text ? ProtocolEventType.TextMessage : ProtocolEventType.BinaryMessage, payload));

            // Split into 1..4 fragments at random byte positions, which may split UTF-8 sequences.
            int fragments = 1 + random.Next(4);
            int[] cuts = Enumerable.Range(0, fragments - 1).Select(_ => random.Next(payload.Length + 1)).Order().ToArray();
            int start = 0;
            for (int f = 0; f < fragments; f++)
            {
                int end = f == fragments - 1 ? payload.Length : cuts[f];
                ReadOnlySpan<byte> part = payload.AsSpan(start, end - start);
                bool fin = f == fragments - 1;
                if (f == 0)
                {
                    if (text)
                    {
                        sender.SendText(part, output, fin); // validated when whole; fragments may split characters
                    }
                    else
                    {
                        sender.SendBinary(part, output, fin);
                    }
                }
                else
                {
                    sender.SendContinuation(part, output, fin);
                }

                if (random.Next(10) == 0)
                {
                    sender.SendPing([(byte)m], output);
                }

                start = end;
            }
        }

        receiver.FeedRandomly(output.WrittenSpan.ToArray(), random);

        var messages = receiver.Events.Where(e => e.Type is ProtocolEventType.TextMessage or ProtocolEventType.BinaryMessage).ToList();
        Assert.That(messages.Select(e => e.Type), Is.EqualTo(expected.Select(e => e.Type)));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(messages[i].Payload, Is.EqualTo(expected[i].Payload), $"message {i}");
        }

        Assert.That(receiver.Engine.State, Is.EqualTo(ConnectionState.Open));
    }
}
