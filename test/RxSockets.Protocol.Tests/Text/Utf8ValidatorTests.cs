using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Unicode;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests;

[TestFixture]
[Description("RFC 6455 §8.1")]
public sealed class Utf8ValidatorTests
{
    /// <summary>Well-formed UTF-8 (Unicode Table 3-7), after Markus Kuhn's test file and Autobahn 6.x.</summary>
    private static readonly string[] s_valid =
    [
        "",
        "41",                                               // 'A'
        "00",                                               // U+0000
        "7F",                                               // U+007F, last 1-byte
        "C2 80",                                            // U+0080, first 2-byte
        "DF BF",                                            // U+07FF, last 2-byte
        "E0 A0 80",                                         // U+0800, first 3-byte
        "ED 9F BF",                                         // U+D7FF, just below the surrogates
        "EE 80 80",                                         // U+E000, just above the surrogates
        "EF BF BD",                                         // U+FFFD
        "EF BF BE",                                         // U+FFFE, a noncharacter but well-formed
        "EF BF BF",                                         // U+FFFF, last 3-byte
        "EF BB BF",                                         // BOM
        "F0 90 80 80",                                      // U+10000, first 4-byte
        "F3 BF BF BF",                                      // U+FFFFF
        "F4 8F BF BF",                                      // U+10FFFF, the last code point
        "CE BA E1 BD B9 CF 83 CE BC CE B5",                 // "κόσμε" (Autobahn 6.2)
        "CE BA E1 BD B9 CF 83 CE BC CE B5 65 64 69 74 65 64", // "κόσμεedited"
        "48 65 6C 6C 6F 2D C2 B5 40 C3 9F C3 B6 C3 A4 C3 BC C3 A0 C3 A1 2D 55 54 46 2D 38 21 21", // Autobahn 6.1-style mix
        "F0 9F 98 80 E2 82 AC 24 C2 A2 F0 90 8D 88",        // 😀€$¢𐍈
    ];

    /// <summary>Ill-formed UTF-8: overlongs, surrogates, beyond U+10FFFF, 5- and 6-byte forms, stray and missing continuations.</summary>
    private static readonly string[] s_invalid =
    [
        "80",                                               // lone continuation
        "BF",
        "80 BF 80 BF",
        "41 80",                                            // continuation after ASCII
        "C2 80 80",                                         // one continuation too many
        "C0",                                               // never valid
        "C1",
        "C0 80",                                            // overlong U+0000
        "C0 AF",                                            // overlong '/'
        "C1 BF",                                            // overlong U+007F
        "E0 80",                                            // impossible prefix
        "E0 80 AF",                                         // overlong '/'
        "E0 9F BF",                                         // overlong U+07FF
        "F0 80 80 AF",                                      // overlong '/'
        "F0 8F BF BF",                                      // overlong U+FFFF
        "F8 88 80 80 80",                                   // 5-byte form
        "F8 80 80 80 AF",
        "FC 84 80 80 80 80",                                // 6-byte form
        "FC 80 80 80 80 AF",
        "F4 90 80 80",                                      // U+110000
        "F7 BF BF BF",                                      // U+1FFFFF
        "F5 80 80 80",
        "FE",
        "FF",
        "FE FE FF FF",
        "ED A0 80",                                         // U+D800
        "ED AD BF",                                         // U+DB7F
        "ED B0 80",                                         // U+DC00
        "ED BF BF",                                         // U+DFFF
        "ED A0 80 ED B0 80",                                // UTF-16 surrogate pair U+10000
        "ED AF BF ED BF BF",                                // surrogate pair U+10FFFF
        "C2",                                               // truncated 2-byte
        "DF",
        "E0 A0",                                            // truncated 3-byte
        "E2 82",
        "F0 90 80",                                         // truncated 4-byte
        "F4 8F BF",
        "C2 41",                                            // missing continuation
        "E1 80 41",
        "F1 80 80 41",
        "E2 82 F0 9F 98 80",                                // truncated sequence before a valid one
        "CE BA E1 BD B9 CF 83 CE BC CE B5 ED A0 80 65 64 69 74 65 64", // Autobahn 6.4.x
        "CE BA E1 BD B9 CF 83 CE BC CE B5 F4 90 80 80 65 64 69 74 65 64",
    ];

    public static IEnumerable<TestCaseData> ValidCases() =>
        s_valid.Select(hex => new TestCaseData(hex).SetArgDisplayNames(hex.Length == 0 ? "empty" : hex));

    public static IEnumerable<TestCaseData> InvalidCases() =>
        s_invalid.Select(hex => new TestCaseData(hex).SetArgDisplayNames(hex));

    [TestCaseSource(nameof(ValidCases))]
    [TestCaseSource(nameof(InvalidCases))]
    public void CaseTable_AgreesWithUtf8IsValid(string hex)
    {
        // Guards the table itself: every row is classified as the BCL classifies it.
        Assert.That(Utf8.IsValid(Hex(hex)), Is.EqualTo(s_valid.Contains(hex)));
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryAppend_ValidWhole_SucceedsAndIsComplete(string hex)
    {
        var validator = default(Utf8Validator);

        Assert.That(validator.TryAppend(Hex(hex)), Is.True);
        Assert.That(validator.IsComplete, Is.True);
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryAppend_ValidByteByByte_SucceedsAndIsComplete(string hex)
    {
        byte[] bytes = Hex(hex);

        Assert.That(Feed(bytes, Enumerable.Repeat(1, bytes.Length), out bool complete), Is.EqualTo(-1));
        Assert.That(complete, Is.True);
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryAppend_ValidSplitAtEveryPointOrTwo_SucceedsAndIsComplete(string hex)
    {
        byte[] bytes = Hex(hex);
        for (int i = 0; i <= bytes.Length; i++)
        {
            for (int j = i; j <= bytes.Length; j++)
            {
                Assert.That(Feed(bytes, [i, j - i, bytes.Length - j], out bool complete), Is.EqualTo(-1), $"split at {i} and {j}");
                Assert.That(complete, Is.True, $"split at {i} and {j}");
            }
        }
    }

    [TestCaseSource(nameof(ValidCases))]
    public void IsValid_ValidString_ReturnsTrue(string hex)
    {
        Assert.That(Utf8Validator.IsValid(Hex(hex)), Is.True);
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryAppend_InvalidWhole_FailsOrIsIncomplete(string hex)
    {
        var validator = default(Utf8Validator);

        bool appended = validator.TryAppend(Hex(hex));

        Assert.That(appended && validator.IsComplete, Is.False);
        Assert.That(appended, Is.EqualTo(FirstImpossibleIndex(Hex(hex)) < 0), "fails exactly when some byte is impossible");
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryAppend_InvalidByteByByte_FailsAtFirstImpossibleByte(string hex)
    {
        byte[] bytes = Hex(hex);

        int failedAt = Feed(bytes, Enumerable.Repeat(1, bytes.Length), out bool complete);

        Assert.That(failedAt, Is.EqualTo(FirstImpossibleIndex(bytes)));
        Assert.That(complete, Is.False);
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryAppend_InvalidSplitAtEveryPointOrTwo_FailsInChunkWithFirstImpossibleByte(string hex)
    {
        byte[] bytes = Hex(hex);
        int firstImpossible = FirstImpossibleIndex(bytes);
        for (int i = 0; i <= bytes.Length; i++)
        {
            for (int j = i; j <= bytes.Length; j++)
            {
                int[] sizes = [i, j - i, bytes.Length - j];

                int failedChunk = Feed(bytes, sizes, out bool complete);

                Assert.That(failedChunk, Is.EqualTo(ChunkContaining(sizes, firstImpossible)), $"split at {i} and {j}");
                Assert.That(complete, Is.False, $"split at {i} and {j}");
            }
        }
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void IsValid_InvalidString_ReturnsFalse(string hex)
    {
        Assert.That(Utf8Validator.IsValid(Hex(hex)), Is.False);
    }

    [TestCase("CE BA E1 BD B9 CF 83 CE BC CE B5 ED A0 80 65 64 69 74 65 64", 12)] // fails at A0, not at the end
    [TestCase("F4 90", 1)]
    [TestCase("ED A0", 1)]
    [TestCase("E0 80", 1)]
    [TestCase("E0 9F", 1)]
    [TestCase("F0 8F", 1)]
    [TestCase("C0", 0)]
    [TestCase("C1", 0)]
    [TestCase("F5", 0)]
    [TestCase("FF", 0)]
    [TestCase("80", 0)]
    [TestCase("C2 41", 1)]
    [TestCase("E1 80 41", 2)]
    [TestCase("41 42 FF", 2)]
    [TestCase("F0 90 80 C0", 3)]
    [TestCase("F0 90 80 80 80", 4)]
    public void TryAppend_ByteByByte_FailsExactlyAtImpossibleByte(string hex, int index)
    {
        byte[] bytes = Hex(hex);
        var validator = default(Utf8Validator);
        for (int i = 0; i < index; i++)
        {
            Assert.That(validator.TryAppend(bytes.AsSpan(i, 1)), Is.True, $"byte {i}");
        }

        Assert.That(validator.TryAppend(bytes.AsSpan(index, 1)), Is.False, $"byte {index}");
    }

    [TestCase("CE BA E1 BD B9 CF 83 CE BC CE B5 ED A0")]
    [TestCase("41 41 41 F4 90")]
    [TestCase("41 E0 80")]
    [TestCase("C2 80 F0 8F")]
    public void TryAppend_ChunkEndsInImpossiblePrefix_FailsImmediately(string hex)
    {
        var validator = default(Utf8Validator);

        Assert.That(validator.TryAppend(Hex(hex)), Is.False);
    }

    [TestCase("E2 82", "AC")]
    [TestCase("F0", "9F 98 80")]
    [TestCase("41 F0 9F", "98 80 41")]
    [TestCase("C3", "A9")]
    public void TryAppend_TrailingPartialValidSequence_IsIncompleteUntilFinished(string first, string second)
    {
        var validator = default(Utf8Validator);

        Assert.That(validator.TryAppend(Hex(first)), Is.True);
        Assert.That(validator.IsComplete, Is.False);
        Assert.That(validator.TryAppend(ReadOnlySpan<byte>.Empty), Is.True);
        Assert.That(validator.IsComplete, Is.False);
        Assert.That(validator.TryAppend(Hex(second)), Is.True);
        Assert.That(validator.IsComplete, Is.True);
    }

    [Test]
    public void TryAppend_AfterFailure_StaysFailed()
    {
        var validator = default(Utf8Validator);
        validator.TryAppend(Hex("C0"));

        Assert.That(validator.TryAppend("valid"u8), Is.False);
        Assert.That(validator.TryAppend(ReadOnlySpan<byte>.Empty), Is.False);
        Assert.That(validator.IsComplete, Is.False);
    }

    [Test]
    public void Reset_AfterFailureOrPartialSequence_StartsOver()
    {
        var validator = default(Utf8Validator);
        validator.TryAppend(Hex("ED A0"));
        validator.Reset();

        Assert.That(validator.TryAppend("ok"u8), Is.True);
        Assert.That(validator.IsComplete, Is.True);

        validator.TryAppend(Hex("E2"));
        validator.Reset();

        Assert.That(validator.TryAppend(Hex("41")), Is.True, "no continuation byte is still expected");
        Assert.That(validator.IsComplete, Is.True);
    }

    [Test]
    public void TryAppend_RandomTextInRandomChunks_AgreesWithUtf8IsValid()
    {
        var random = new Random(8_1);
        int invalidSeen = 0;
        for (int n = 0; n < 3_000; n++)
        {
            byte[] bytes = RandomText(random);
            bool expected = Utf8.IsValid(bytes);
            int firstImpossible = FirstImpossibleIndex(bytes);
            invalidSeen += expected ? 0 : 1;

            var sizes = new List<int>();
            for (int remaining = bytes.Length; remaining > 0;)
            {
                int size = Math.Min(remaining, random.Next(3) == 0 ? random.Next(0, 200) : random.Next(0, 6));
                sizes.Add(size);
                remaining -= size;
            }

            int failedChunk = Feed(bytes, sizes, out bool complete);

            string context = $"case {n}: {Convert.ToHexString(bytes)} in chunks {string.Join(",", sizes)}";
            Assert.That(failedChunk < 0 && complete, Is.EqualTo(expected), context);
            Assert.That(failedChunk, Is.EqualTo(ChunkContaining(sizes, firstImpossible)), context);
        }

        Assert.That(invalidSeen, Is.InRange(500, 2_500), "the generator mixes valid and invalid text");
    }

    [Test]
    public void TryAppend_RandomTextByteByByte_FailsAtFirstImpossibleByte()
    {
        var random = new Random(6455);
        for (int n = 0; n < 500; n++)
        {
            byte[] bytes = RandomText(random);

            int failedAt = Feed(bytes, Enumerable.Repeat(1, bytes.Length), out _);

            Assert.That(failedAt, Is.EqualTo(FirstImpossibleIndex(bytes)), Convert.ToHexString(bytes));
        }
    }

    /// <summary>
    /// Feeds <paramref name="bytes"/> to a fresh validator in chunks of the given sizes and returns
    /// the index of the first chunk for which <see cref="Utf8Validator.TryAppend"/> returned false, or -1.
    /// </summary>
    private static int Feed(byte[] bytes, IEnumerable<int> sizes, out bool complete)
    {
        var validator = default(Utf8Validator);
        int position = 0;
        int chunk = 0;
        int failed = -1;
        foreach (int size in sizes)
        {
            if (!validator.TryAppend(bytes.AsSpan(position, size)) && failed < 0)
            {
                failed = chunk;
            }

            position += size;
            chunk++;
        }

        Assert.That(position, Is.EqualTo(bytes.Length), "chunk sizes add up");
        complete = validator.IsComplete;
        return failed;
    }

    /// <summary>The index of the chunk that holds byte <paramref name="index"/>, or -1 when <paramref name="index"/> is -1.</summary>
    private static int ChunkContaining(IReadOnlyList<int> sizes, int index)
    {
        if (index < 0)
        {
            return -1;
        }

        int end = 0;
        for (int chunk = 0; chunk < sizes.Count; chunk++)
        {
            end += sizes[chunk];
            if (index < end)
            {
                return chunk;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>
    /// An oracle independent of <see cref="Utf8Validator"/>: the first index i at which
    /// <c>bytes[..(i + 1)]</c> is no longer a prefix of any well-formed UTF-8, or -1. A prefix can
    /// be completed when <see cref="Utf8.IsValid"/> accepts it followed by up to three continuation
    /// bytes, the first taken from a set that meets every second-byte range of Table 3-7.
    /// Prefix validity is monotone, so a binary search finds the boundary.
    /// </summary>
    private static int FirstImpossibleIndex(byte[] bytes)
    {
        if (CanComplete(bytes))
        {
            return -1;
        }

        int low = 0;
        int high = bytes.Length; // bytes[..high] cannot be completed; bytes[..low] can.
        while (high - low > 1)
        {
            int middle = (low + high) / 2;
            if (CanComplete(bytes.AsSpan(0, middle)))
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return high - 1;
    }

    private static bool CanComplete(ReadOnlySpan<byte> prefix)
    {
        if (Utf8.IsValid(prefix))
        {
            return true;
        }

        Span<byte> buffer = new byte[prefix.Length + 3];
        prefix.CopyTo(buffer);
        foreach (byte first in (byte[])[0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF])
        {
            buffer[prefix.Length] = first;
            buffer[prefix.Length + 1] = 0x80;
            buffer[prefix.Length + 2] = 0x80;
            for (int extra = 1; extra <= 3; extra++)
            {
                if (Utf8.IsValid(buffer[..(prefix.Length + extra)]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Random text of all sequence lengths, then left alone, corrupted, truncated or spliced.</summary>
    private static byte[] RandomText(Random random)
    {
        var builder = new StringBuilder();
        int runes = random.Next(0, 40);
        for (int i = 0; i < runes; i++)
        {
            int value = random.Next(5) switch
            {
                0 => random.Next(0x00, 0x80),
                1 => random.Next(0x80, 0x800),
                2 => random.Next(0x800, 0xD800),
                3 => random.Next(0xE000, 0x10000),
                _ => random.Next(0x10000, 0x110000),
            };
            builder.Append(new Rune(value).ToString());
        }

        var bytes = new List<byte>(Encoding.UTF8.GetBytes(builder.ToString()));
        switch (random.Next(6))
        {
            case 0:
            case 1:
                break; // valid
            case 2 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                break;
            case 3:
                bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(0x80, 0x100));
                break;
            case 4 when bytes.Count > 0:
                bytes.RemoveRange(random.Next(bytes.Count), 1);
                break;
            default:
                // Splice in a lead byte with a second byte from the boundaries of Table 3-7.
                byte[] leads = [0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF];
                byte[] seconds = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0];
                int at = random.Next(bytes.Count + 1);
                bytes.InsertRange(at, [leads[random.Next(leads.Length)], seconds[random.Next(seconds.Length)]]);
                break;
        }

        return [.. bytes];
    }

    private static byte[] Hex(string hex) =>
        hex.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
}
