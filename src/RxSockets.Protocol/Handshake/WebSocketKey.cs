using System;
using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>
/// The <c>Sec-WebSocket-Key</c> / <c>Sec-WebSocket-Accept</c> pair of the opening handshake
/// (RFC 6455 §4.1 and §4.2.2): generating a client nonce, checking one, and deriving the answer.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class WebSocketKey
{
    /// <summary>
    /// The GUID that RFC 6455 §1.3 appends to the key before hashing, "unlikely to be used by network
    /// endpoints that do not understand the WebSocket Protocol".
    /// </summary>
    public const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>The length of a key: 16 bytes in base64 are 24 chars (RFC 6455 §4.1).</summary>
    public const int KeyLength = 24;

    /// <summary>The length of an accept value: a 20-byte SHA-1 hash in base64 is 28 chars.</summary>
    public const int AcceptLength = 28;

    /// <summary>The number of random bytes in a key (RFC 6455 §4.1: "a randomly selected 16-byte value").</summary>
    private const int NonceSize = 16;

    /// <summary>The bytes of <see cref="AcceptGuid"/> in ASCII, appended to every key before hashing.</summary>
    private static ReadOnlySpan<byte> GuidBytes => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>
    /// Generates a fresh client key: 16 bytes from <see cref="RandomNumberGenerator"/>, base64-encoded
    /// (RFC 6455 §4.1: "The nonce MUST be selected randomly for each connection").
    /// </summary>
    /// <returns>A 24-char base64 string.</returns>
    public static string Generate()
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }

    /// <summary>
    /// Whether <paramref name="key"/> is a valid <c>Sec-WebSocket-Key</c>: base64 that decodes to
    /// exactly 16 bytes (RFC 6455 §4.2.1 item 5), hence 24 chars ending in <c>==</c>.
    /// </summary>
    /// <param name="key">The header value, already trimmed; <see langword="null"/> is invalid.</param>
    /// <returns><see langword="true"/> when the key is well formed.</returns>
    public static bool IsValid(string? key)
    {
        if (key is null || key.Length != KeyLength)
        {
            return false;
        }

        foreach (char c in key)
        {
            // Convert would skip whitespace inside the value; a key has none.
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '/' and not '=')
            {
                return false;
            }
        }

        Span<byte> decoded = stackalloc byte[NonceSize + 2];
        return Convert.TryFromBase64String(key, decoded, out int written) && written == NonceSize;
    }

    /// <summary>
    /// Computes <c>Sec-WebSocket-Accept</c> for <paramref name="key"/>:
    /// base64(SHA-1(key + <see cref="AcceptGuid"/>)) (RFC 6455 §4.2.2 step 5, sub-item 4).
    /// </summary>
    /// <param name="key">The key as sent in <c>Sec-WebSocket-Key</c>, trimmed; not decoded first.</param>
    /// <returns>The 28-char accept value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> holds a char above U+00FF.</exception>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int length = key.Length + GuidBytes.Length;
        byte[]? rented = null;
        Span<byte> input = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            foreach (char c in key)
            {
                if (c > 0xFF)
                {
                    throw new ArgumentException("A Sec-WebSocket-Key is Latin-1 text; it cannot hold chars above U+00FF.", nameof(key));
                }
            }

            int written = Encoding.Latin1.GetBytes(key, input);
            GuidBytes.CopyTo(input[written..]);
            Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // SHA-1 is what RFC 6455 §4.2.2 mandates here; it is not used for security.
            SHA1.HashData(input[..length], hash);
#pragma warning restore CA5350
            Span<byte> base64 = stackalloc byte[AcceptLength];
            Base64.EncodeToUtf8(hash, base64, out _, out int encoded);
            return Encoding.ASCII.GetString(base64[..encoded]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="accept"/> is the correct <c>Sec-WebSocket-Accept</c> for
    /// <paramref name="key"/> (RFC 6455 §4.1, the client's fourth check). The comparison is exact:
    /// base64 is case-sensitive.
    /// </summary>
    /// <param name="key">The key the client sent.</param>
    /// <param name="accept">The value the server answered with; <see langword="null"/> never matches.</param>
    /// <returns><see langword="true"/> when the value matches.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> holds a char above U+00FF.</exception>
    public static bool IsValidAccept(string key, string? accept) =>
        accept is not null && string.Equals(ComputeAccept(key), accept, StringComparison.Ordinal);
}
