namespace RxSockets.Protocol;

/// <summary>
/// Supplies the 32-bit masking key of each frame a client sends (RFC 6455 §5.3). The seam that
/// lets tests produce deterministic frames (STYLE S8).
/// </summary>
/// <remarks>
/// RFC 6455 §5.3: "The masking key needs to be unpredictable; thus, the masking key MUST be
/// derived from a strong source of entropy". Production code uses
/// <see cref="RandomMaskKeyProvider.Shared"/>; <see cref="FixedMaskKeyProvider"/> is for tests.
/// Implementations used by more than one connection must be thread-safe.
/// </remarks>
public interface IMaskKeyProvider
{
    /// <summary>Returns the masking key for the next frame.</summary>
    /// <returns>
    /// The four key octets in wire order as they sit in memory, the layout
    /// <see cref="Masking.Apply(System.Span{byte}, int, int)"/> expects; write them into the frame
    /// with <c>MemoryMarshal.Write</c>.
    /// </returns>
    int NextMaskKey();
}
