using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace RxSockets.Compliance;

/// <summary>The payloads of the interop matrix; peers/payloads.py and peers/payloads.js make the same ones.</summary>
public static class Payloads
{
    /// <summary>One mebibyte: the default message limit of RxSockets and python websockets, both inclusive.</summary>
    public const int OneMiB = 1024 * 1024;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// Sizes in bytes around each frame length encoding: empty, the largest 7-bit length, the
    /// smallest 16-bit one, the largest 16-bit one, the smallest 64-bit one, and 1 MiB.
    /// </summary>
    public static IReadOnlyList<int> Sizes { get; } = [0, 125, 126, 65535, 65536, OneMiB];

    /// <summary>The fragmented text message the peers send, reassembled.</summary>
    public const string FragmentedText = "héllo wörld ✓";

    /// <summary>The fragmented binary message the peers send (three fragments), reassembled: bytes 0 to 24.</summary>
    public static byte[] FragmentedBinary { get; } = [.. Enumerable.Range(0, 25).Select(i => (byte)i)];

    /// <summary>The payload of the peers' pings.</summary>
    public static byte[] PingPayload { get; } = Encoding.UTF8.GetBytes("rx-ping-✓");

    /// <summary>ASCII text of exactly <paramref name="size"/> bytes.</summary>
    /// <param name="size">The size.</param>
    /// <returns>The text.</returns>
    public static string Text(int size)
    {
        var text = new StringBuilder(size);
        for (int i = 0; i < size; i++)
        {
            text.Append(Alphabet[i % Alphabet.Length]);
        }

        return text.ToString();
    }

    /// <summary><paramref name="size"/> bytes of the pattern (i * 31 + 7) mod 256.</summary>
    /// <param name="size">The size.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Binary(int size)
    {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = unchecked((byte)((i * 31) + 7));
        }

        return bytes;
    }

    /// <summary><paramref name="size"/> incompressible bytes: bits 16-23 of the LCG x = x * 1103515245 + 12345 mod 2^31, from x = 1 (as payloads.py and payloads.js).</summary>
    /// <param name="size">The size.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Noise(int size)
    {
        byte[] bytes = new byte[size];
        long x = 1;
        for (int i = 0; i < size; i++)
        {
            x = ((x * 1103515245) + 12345) & 0x7FFFFFFF;
            bytes[i] = (byte)((x >> 16) & 0xFF);
        }

        return bytes;
    }

    /// <summary>Lowercase hex, as python's <c>bytes.hex()</c> and Node's <c>toString('hex')</c>.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The hex string.</returns>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
