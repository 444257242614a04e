using System;
using System.Linq;

namespace RxSockets.Protocol.Tests;

/// <summary>Hex literals for frames: "81 85 37fa213d" → bytes (spaces ignored).</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
