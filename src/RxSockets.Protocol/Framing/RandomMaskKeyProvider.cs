using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RxSockets.Protocol;

/// <summary>
/// Draws masking keys from the operating system's cryptographic random number generator, as
/// RFC 6455 §5.3 requires ("derived from a strong source of entropy").
/// </summary>
/// <remarks>
/// <para>
/// Calling <see cref="RandomNumberGenerator.Fill"/> for every 4-byte key would cost a system call
/// per frame, so each thread keeps an 8 KiB block of random bytes (2,048 keys) and refills it when
/// it is used up, as Node ws does with its mask pool (STYLE S8). Keys never repeat a block
/// position and every block comes straight from the cryptographic generator.
/// </para>
/// <para>
/// Thread safety: thread-safe and lock-free. The pool is <see cref="ThreadStaticAttribute"/>, so
/// threads never share a block; the cost is up to 8 KiB per thread that sends masked frames.
/// </para>
/// </remarks>
public sealed class RandomMaskKeyProvider : IMaskKeyProvider
{
    /// <summary>The size of each thread's pool of random bytes.</summary>
    private const int PoolSize = 8 * 1024;

    /// <summary>
    /// This thread's block of random bytes; <see langword="null"/> until the thread's first key.
    /// Bytes before <see cref="t_position"/> have been handed out and are never used again.
    /// </summary>
    [ThreadStatic]
    private static byte[]? t_pool;

    /// <summary>
    /// The next unused byte in <see cref="t_pool"/>: a multiple of 4 in 0–<see cref="PoolSize"/>;
    /// <see cref="PoolSize"/> (or a <see langword="null"/> pool) means the block must be refilled.
    /// </summary>
    [ThreadStatic]
    private static int t_position;

    private RandomMaskKeyProvider()
    {
    }

    /// <summary>The single instance; all state is per thread, so one instance serves everyone.</summary>
    public static RandomMaskKeyProvider Shared { get; } = new();

    /// <summary>Returns four fresh cryptographically random bytes as a mask key.</summary>
    /// <returns>A random mask key (any of the 2^32 values, including 0, with equal probability).</returns>
    public int NextMaskKey()
    {
        byte[]? pool = t_pool;
        int position = t_position;
        if (pool is null || position >= PoolSize)
        {
            pool ??= t_pool = new byte[PoolSize];
            RandomNumberGenerator.Fill(pool);
            position = 0;
        }

        Debug.Assert(position % sizeof(int) == 0 && position <= PoolSize - sizeof(int), $"{nameof(t_position)} is {position}");
        t_position = position + sizeof(int);

        // Random bytes: their byte order does not matter.
        return MemoryMarshal.Read<int>(pool.AsSpan(position, sizeof(int)));
    }
}
