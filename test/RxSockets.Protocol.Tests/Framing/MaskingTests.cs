using System;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §5.3")]
public sealed class MaskingTests
{
    /// <summary>The RFC 6455 §5.7 key 37 fa 21 3d, in the in-memory layout <see cref="Masking"/> expects.</summary>
    private static readonly int s_rfcKey = KeyFromBytes(0x37, 0xfa, 0x21, 0x3d);

    private static readonly int[] s_keys =
    [
        s_rfcKey,
        0,
        -1,
        KeyFromBytes(0x01, 0x02, 0x03, 0x04),
        KeyFromBytes(0x80, 0x00, 0xff, 0x7f),
    ];

    [Test]
    [Description("RFC 6455 §5.7")]
    public void Apply_RfcHelloExample_ProducesMaskedBytes()
    {
        // "Hello" masked with 37 fa 21 3d is 7f 9f 4d 51 58 (the frame is 0x81 0x85 37 fa 21 3d 7f 9f 4d 51 58).
        byte[] data = "Hello"u8.ToArray();

        int next = Masking.Apply(data, s_rfcKey, 0);

        Assert.That(data, Is.EqualTo(new byte[] { 0x7f, 0x9f, 0x4d, 0x51, 0x58 }));
        Assert.That(next, Is.EqualTo(1));
    }

    [Test]
    [Description("RFC 6455 §5.7")]
    public void Apply_RfcHelloExampleMaskedBytes_UnmasksToHello()
    {
        byte[] data = [0x7f, 0x9f, 0x4d, 0x51, 0x58];

        Masking.Apply(data, s_rfcKey, 0);

        Assert.That(data, Is.EqualTo("Hello"u8.ToArray()));
    }

    [Test]
    public void Apply_KeyWrittenWithMemoryMarshal_UsesKeyBytesInWireOrder()
    {
        // Key bytes 01 02 03 04 on a zero payload must appear verbatim, whatever the endianness.
        byte[] data = new byte[11];

        Masking.Apply(data, KeyFromBytes(0x01, 0x02, 0x03, 0x04), 0);

        Assert.That(data, Is.EqualTo(new byte[] { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3 }));
    }

    [Test]
    public void Apply_OffsetTwo_StartsAtThirdKeyByte()
    {
        byte[] data = new byte[5];

        int next = Masking.Apply(data, KeyFromBytes(0x01, 0x02, 0x03, 0x04), 2);

        Assert.That(data, Is.EqualTo(new byte[] { 3, 4, 1, 2, 3 }));
        Assert.That(next, Is.EqualTo(3));
    }

    [Test]
    public void Apply_EveryLengthUpTo300AndEveryOffset_MatchesScalarReference()
    {
        var random = new Random(6455);
        foreach (int key in s_keys)
        {
            for (int length = 0; length <= 300; length++)
            {
                byte[] original = new byte[length];
                random.NextBytes(original);
                for (int offset = 0; offset < 4; offset++)
                {
                    byte[] expected = (byte[])original.Clone();
                    int expectedNext = NaiveApply(expected, key, offset);
                    byte[] actual = (byte[])original.Clone();

                    int next = Masking.Apply(actual, key, offset);

                    Assert.That(actual, Is.EqualTo(expected), $"key {key:x8}, length {length}, offset {offset}");
                    Assert.That(next, Is.EqualTo(expectedNext), $"key {key:x8}, length {length}, offset {offset}");
                }
            }
        }
    }

    [Test]
    public void Apply_UnalignedSliceOfEveryLength_MatchesScalarReference()
    {
        // Slices starting 1–31 bytes into an array exercise unaligned vector loads and stores.
        var random = new Random(53);
        byte[] buffer = new byte[400];
        random.NextBytes(buffer);
        for (int start = 1; start < 32; start++)
        {
            for (int length = 0; length <= 300; length += 7)
            {
                byte[] expected = buffer.AsSpan(start, length).ToArray();
                NaiveApply(expected, s_rfcKey, start & 3);
                byte[] actual = (byte[])buffer.Clone();

                Masking.Apply(actual.AsSpan(start, length), s_rfcKey, start & 3);

                Assert.That(actual.AsSpan(start, length).ToArray(), Is.EqualTo(expected), $"start {start}, length {length}");
                Assert.That(actual.AsSpan(0, start).ToArray(), Is.EqualTo(buffer.AsSpan(0, start).ToArray()), "bytes before the slice");
                Assert.That(actual.AsSpan(start + length).ToArray(), Is.EqualTo(buffer.AsSpan(start + length).ToArray()), "bytes after the slice");
            }
        }
    }

    [Test]
    public void Apply_OneMebibyteInRandomChunks_MatchesSingleCall()
    {
        var random = new Random(1234);
        byte[] original = new byte[1024 * 1024];
        random.NextBytes(original);
        int key = random.Next(int.MinValue, int.MaxValue);
        byte[] whole = (byte[])original.Clone();
        Masking.Apply(whole, key, 0);

        for (int round = 0; round < 4; round++)
        {
            byte[] chunked = (byte[])original.Clone();
            int offset = 0;
            int position = 0;
            int chunks = 0;
            while (position < chunked.Length)
            {
                // Mostly small and odd-sized chunks, some large ones, some empty.
                int size = random.Next(4) == 0 ? random.Next(0, 70_000) : random.Next(0, 100);
                size = Math.Min(size, chunked.Length - position);
                offset = Masking.Apply(chunked.AsSpan(position, size), key, offset);
                position += size;
                chunks++;
            }

            Assert.That(chunked, Is.EqualTo(whole), $"round {round}, {chunks} chunks");
            Assert.That(offset, Is.EqualTo(chunked.Length & 3));
        }
    }

    [Test]
    public void Apply_Twice_RestoresOriginal()
    {
        var random = new Random(42);
        byte[] original = new byte[100_003];
        random.NextBytes(original);
        byte[] data = (byte[])original.Clone();
        int key = random.Next(int.MinValue, int.MaxValue);

        Masking.Apply(data, key, 3);
        Assert.That(data, Is.Not.EqualTo(original));
        Masking.Apply(data, key, 3);

        Assert.That(data, Is.EqualTo(original));
    }

    [Test]
    public void Apply_EmptyData_ReturnsSameOffset()
    {
        Assert.That(Masking.Apply(Span<byte>.Empty, s_rfcKey, 3), Is.EqualTo(3));
    }

    [TestCase(-1)]
    [TestCase(4)]
    [TestCase(int.MaxValue)]
    public void Apply_OffsetOutOfRange_Throws(int offset)
    {
        Assert.That(() => Masking.Apply(new byte[8], s_rfcKey, offset), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>RFC 6455 §5.3 literally: octet i XOR key octet (offset + i) mod 4.</summary>
    private static int NaiveApply(Span<byte> data, int key, int offset)
    {
        Span<byte> keyBytes = stackalloc byte[4];
        MemoryMarshal.Write(keyBytes, in key);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= keyBytes[(offset + i) & 3];
        }

        return (offset + data.Length) & 3;
    }

    private static int KeyFromBytes(byte b0, byte b1, byte b2, byte b3)
    {
        ReadOnlySpan<byte> bytes = [b0, b1, b2, b3];
        return MemoryMarshal.Read<int>(bytes);
    }
}
