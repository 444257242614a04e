namespace RxSockets.Protocol;

/// <summary>
/// Returns the same masking key for every frame. For tests and for reproducible output only: RFC
/// 6455 §5.3 requires unpredictable keys on a real connection, so use
/// <see cref="RandomMaskKeyProvider.Shared"/> there.
/// </summary>
/// <remarks>Immutable, so thread-safe.</remarks>
public sealed class FixedMaskKeyProvider : IMaskKeyProvider
{
    /// <summary>Creates a provider that always returns <paramref name="maskKey"/>.</summary>
    /// <param name="maskKey">
    /// The key octets in wire order as they sit in memory (see <see cref="Masking"/>), for example
    /// <c>MemoryMarshal.Read&lt;int&gt;([0x37, 0xfa, 0x21, 0x3d])</c> for the RFC 6455 §5.7 key.
    /// </param>
    public FixedMaskKeyProvider(int maskKey)
    {
        MaskKey = maskKey;
    }

    /// <summary>The key returned by every call to <see cref="NextMaskKey"/>.</summary>
    public int MaskKey { get; }

    /// <summary>Returns <see cref="MaskKey"/>.</summary>
    /// <returns><see cref="MaskKey"/>, always.</returns>
    public int NextMaskKey() => MaskKey;
}
