using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RxSockets.Protocol;

/// <summary>
/// Client-to-server payload masking (RFC 6455 §5.3), vectorized.
/// </summary>
/// <remarks>
/// <para>
/// RFC 6455 §5.3: "Octet i of the transformed data ("transformed-octet-i") is the XOR of octet i
/// of the original data ("original-octet-i") with octet at index i modulo 4 of the masking key
/// ("masking-key-octet-j")". Masking and unmasking are the same operation.
/// </para>
/// <para>
/// <b>Mask key layout.</b> A mask key is passed as an <see cref="int"/> that holds the four key
/// octets <em>in wire order as they sit in memory</em>: read it from a frame with
/// <c>MemoryMarshal.Read&lt;int&gt;(keyBytes)</c> and write it with <c>MemoryMarshal.Write</c>,
/// never with <c>BinaryPrimitives</c>. So on a little-endian machine key octet 0 is the
/// <em>low</em> byte of the <see cref="int"/>, and the key <c>37 fa 21 3d</c> of RFC 6455 §5.7
/// is <c>0x3d21fa37</c>. The numeric value therefore differs between little- and big-endian
/// machines, but the octets and the masking result do not.
/// </para>
/// <para>
/// The shape follows dotnet/runtime's <c>ManagedWebSocket.ApplyMask</c>: rotate the key so that
/// its first octet is the one at <c>offset</c>, then XOR 32-byte and 16-byte vectors, then 8 and 4
/// bytes at a time, then a scalar tail of at most 3 bytes (STYLE S8). Buffers shorter than one
/// 16-byte vector skip the vector code (Node ws uses a similar small-buffer threshold).
/// </para>
/// <para>Thread safety: stateless; safe to call from any thread on disjoint buffers.</para>
/// </remarks>
public static class Masking
{
    /// <summary>
    /// XORs <paramref name="data"/> in place with <paramref name="maskKey"/>, starting at key octet
    /// <paramref name="offset"/>, so a payload can be masked or unmasked in chunks.
    /// </summary>
    /// <param name="data">The bytes to mask or unmask, in place.</param>
    /// <param name="maskKey">
    /// The four key octets in wire order as they sit in memory (see the remarks on
    /// <see cref="Masking"/>): the value <c>MemoryMarshal.Read&lt;int&gt;</c> returns for the key
    /// bytes of the frame.
    /// </param>
    /// <param name="offset">
    /// The key octet (0–3) that applies to <c>data[0]</c>: 0 at the start of a payload, and the
    /// value returned for the previous chunk when a payload arrives in pieces.
    /// </param>
    /// <returns>The key offset for the next chunk: <c>(offset + data.Length) &amp; 3</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is not in 0–3.</exception>
    public static int Apply(Span<byte> data, int maskKey, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, 3);

        int next = (offset + data.Length) & 3;
        if (data.IsEmpty)
        {
            return next;
        }

        // Rotate the key so that octet `offset` comes first in memory. In memory order octet 0 is
        // the low byte on little-endian machines (rotate right) and the high byte on big-endian
        // machines (rotate left). IsLittleEndian is a JIT-time constant, so one branch remains.
        int shift = offset * 8;
        uint rotated = BitConverter.IsLittleEndian
            ? BitOperations.RotateRight((uint)maskKey, shift)
            : BitOperations.RotateLeft((uint)maskKey, shift);

        // Every block below consumes a multiple of 4 bytes, so `rotated` stays aligned with the
        // data until the scalar tail.
        if (data.Length >= Vector128<byte>.Count)
        {
            data = ApplyVectors(data, rotated);
        }

        ApplyWords(data, rotated);
        return next;
    }

    /// <summary>
    /// Masks all whole 32-byte and 16-byte vectors of <paramref name="data"/> and returns the
    /// unprocessed remainder (fewer than 16 bytes).
    /// </summary>
    private static Span<byte> ApplyVectors(Span<byte> data, uint rotated)
    {
        // A vector of identical 32-bit lanes repeats the four key octets in memory order, on
        // either endianness, because each lane is stored the same way the scalar key is.
        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<byte>.Count)
        {
            Vector256<byte> mask256 = Vector256.Create(rotated).AsByte();
            Span<Vector256<byte>> blocks = MemoryMarshal.Cast<byte, Vector256<byte>>(data);

            // Two vectors per iteration: the loads of the second overlap the XOR of the first.
            int i = 0;
            for (; i + 1 < blocks.Length; i += 2)
            {
                blocks[i] ^= mask256;
                blocks[i + 1] ^= mask256;
            }

            if (i < blocks.Length)
            {
                blocks[i] ^= mask256;
            }

            data = data.Slice(blocks.Length * Vector256<byte>.Count);
        }

        if (Vector128.IsHardwareAccelerated && data.Length >= Vector128<byte>.Count)
        {
            Vector128<byte> mask128 = Vector128.Create(rotated).AsByte();
            Span<Vector128<byte>> blocks = MemoryMarshal.Cast<byte, Vector128<byte>>(data);
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] ^= mask128;
            }

            data = data.Slice(blocks.Length * Vector128<byte>.Count);
        }

        return data;
    }

    /// <summary>
    /// Masks <paramref name="data"/> 8 and 4 bytes at a time and then the last 0–3 bytes one by one.
    /// <paramref name="rotated"/> holds the key octet for <c>data[0]</c> first in memory order.
    /// </summary>
    private static void ApplyWords(Span<byte> data, uint rotated)
    {
        // Both halves equal, so the 8 bytes in memory repeat the key on either endianness.
        ulong mask64 = ((ulong)rotated << 32) | rotated;
        while (data.Length >= sizeof(ulong))
        {
            ulong word = MemoryMarshal.Read<ulong>(data) ^ mask64;
            MemoryMarshal.Write(data, in word);
            data = data.Slice(sizeof(ulong));
        }

        if (data.Length >= sizeof(uint))
        {
            uint word = MemoryMarshal.Read<uint>(data) ^ rotated;
            MemoryMarshal.Write(data, in word);
            data = data.Slice(sizeof(uint));
        }

        // Scalar tail, 0–3 bytes: take the key octets in memory order.
        for (int i = 0; i < data.Length; i++)
        {
            int shift = BitConverter.IsLittleEndian ? i * 8 : 24 - (i * 8);
            data[i] ^= (byte)(rotated >> shift);
        }
    }
}
