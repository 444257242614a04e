using System;
using System.Diagnostics;
using System.Text.Unicode;

namespace RxSockets.Protocol;

/// <summary>
/// Validates UTF-8 incrementally, fragment by fragment, so a text message can be rejected at the
/// first byte that makes it invalid rather than after it has been reassembled (RFC 6455 §8.1).
/// </summary>
/// <remarks>
/// <para>
/// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte
/// stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
/// Connection_." Valid means well-formed as in Unicode Table 3-7: no overlong forms (C0, C1,
/// E0 80–9F, F0 80–8F), no surrogates (ED A0–BF), nothing above U+10FFFF (F4 90–BF, F5–FF), no
/// stray continuation bytes and no 5- or 6-byte forms.
/// </para>
/// <para>
/// The bulk of each chunk goes through the vectorized <see cref="Utf8.IsValid"/>. A small scalar
/// state machine handles only a sequence split across chunks: the 1–3 bytes that finish the
/// previous chunk's sequence, and the 1–3 bytes of an unfinished sequence at the end of a chunk,
/// whose prefix is checked against Table 3-7 at once. So <see cref="TryAppend"/> fails in the call
/// that receives the first impossible byte, even when that byte ends the chunk.
/// </para>
/// <para>
/// <c>default(Utf8Validator)</c> is ready to use. Once <see cref="TryAppend"/> has returned
/// <see langword="false"/> the validator stays failed until <see cref="Reset"/>.
/// </para>
/// <para>
/// Thread safety: a mutable struct, not thread-safe. Each connection owns one and uses it only
/// from its read path; do not copy it while a message is in progress.
/// </para>
/// </remarks>
public struct Utf8Validator
{
    /// <summary>
    /// How many continuation bytes the current multi-byte sequence still needs: 0 (between
    /// sequences) to 3.
    /// </summary>
    private byte _needed;

    /// <summary>The smallest allowed value of the next byte; meaningful only while <see cref="_needed"/> &gt; 0.</summary>
    private byte _lower;

    /// <summary>The largest allowed value of the next byte; meaningful only while <see cref="_needed"/> &gt; 0.</summary>
    private byte _upper;

    /// <summary>Set at the first invalid byte and cleared only by <see cref="Reset"/>.</summary>
    private bool _failed;

    /// <summary>
    /// <see langword="true"/> when every byte appended so far forms complete, valid UTF-8: not
    /// failed and not in the middle of a multi-byte sequence. The engine checks it at the final
    /// fragment of a text message.
    /// </summary>
    public readonly bool IsComplete => _needed == 0 && !_failed;

    /// <summary>
    /// Checks the next chunk of a text message.
    /// </summary>
    /// <param name="data">The next bytes of the message, possibly starting or ending inside a multi-byte sequence.</param>
    /// <returns>
    /// <see langword="false"/> when the message can no longer be valid UTF-8, whatever follows (or
    /// when an earlier call already failed); <see langword="true"/> when all bytes so far are a
    /// prefix of valid UTF-8. Check <see cref="IsComplete"/> after the last chunk.
    /// </returns>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (_failed)
        {
            return false;
        }

        // 1. Finish the sequence the previous chunk left open.
        int start = 0;
        while (_needed > 0)
        {
            if (start == data.Length)
            {
                return true;
            }

            byte b = data[start++];
            if (b < _lower || b > _upper)
            {
                return Fail();
            }

            _needed--;
            _lower = 0x80;
            _upper = 0xBF;
        }

        ReadOnlySpan<byte> rest = data.Slice(start);

        // 2. Hold back an unfinished sequence at the end of the chunk, then validate the rest in bulk.
        int tail = UnfinishedTailLength(rest);
        if (!Utf8.IsValid(rest.Slice(0, rest.Length - tail)))
        {
            return Fail();
        }

        return tail == 0 || BeginSequence(rest.Slice(rest.Length - tail));
    }

    /// <summary>Forgets all state, ready for the next text message.</summary>
    public void Reset() => this = default;

    /// <summary>
    /// Checks a complete UTF-8 string, such as the reason of a close frame (RFC 6455 §5.5.1: "the
    /// data MAY contain a UTF-8-encoded reason").
    /// </summary>
    /// <param name="complete">The whole string.</param>
    /// <returns><see langword="true"/> when <paramref name="complete"/> is well-formed UTF-8.</returns>
    public static bool IsValid(ReadOnlySpan<byte> complete) => Utf8.IsValid(complete);

    /// <summary>
    /// The length (0–3) of a valid-looking lead byte plus the continuation bytes after it at the
    /// end of <paramref name="data"/>, when they are fewer than the lead byte announces. Whether the
    /// continuation bytes are in range is left to <see cref="BeginSequence"/>. Returns 0 when the
    /// chunk ends between sequences or when its end is invalid anyway, which the bulk check then
    /// reports.
    /// </summary>
    private static int UnfinishedTailLength(ReadOnlySpan<byte> data)
    {
        int limit = Math.Min(3, data.Length);
        for (int length = 1; length <= limit; length++)
        {
            byte b = data[data.Length - length];
            if ((b & 0xC0) != 0x80)
            {
                // The last non-continuation byte: is its sequence longer than what follows it?
                return SequenceLength(b) > length ? length : 0;
            }
        }

        return 0;
    }

    /// <summary>
    /// Starts the state machine on the unfinished sequence <paramref name="tail"/> (a lead byte
    /// C2–F4 and fewer continuation bytes than it needs), checking each byte against Table 3-7.
    /// </summary>
    private bool BeginSequence(ReadOnlySpan<byte> tail)
    {
        byte lead = tail[0];
        int length = SequenceLength(lead);
        Debug.Assert(length > tail.Length && tail.Length is >= 1 and <= 3, $"{nameof(tail)} of {tail.Length} bytes for a {length}-byte sequence");

        // Unicode Table 3-7: the allowed range of the second byte depends on the lead byte.
        (_lower, _upper) = lead switch
        {
            0xE0 => ((byte)0xA0, (byte)0xBF), // not overlong (< U+0800)
            0xED => ((byte)0x80, (byte)0x9F), // not a surrogate (U+D800–U+DFFF)
            0xF0 => ((byte)0x90, (byte)0xBF), // not overlong (< U+10000)
            0xF4 => ((byte)0x80, (byte)0x8F), // not above U+10FFFF
            _ => ((byte)0x80, (byte)0xBF),
        };
        _needed = (byte)(length - 1);

        for (int i = 1; i < tail.Length; i++)
        {
            byte b = tail[i];
            if (b < _lower || b > _upper)
            {
                return Fail();
            }

            _needed--;
            _lower = 0x80;
            _upper = 0xBF;
        }

        Debug.Assert(_needed > 0, $"{nameof(_needed)} is 0 after an unfinished sequence");
        return true;
    }

    /// <summary>
    /// The sequence length a lead byte announces: 1 for ASCII, 2–4 for C2–F4, and 0 for bytes
    /// that never start a well-formed sequence (continuation bytes, C0, C1, F5–FF).
    /// </summary>
    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        < 0xC2 => 0,
        < 0xE0 => 2,
        < 0xF0 => 3,
        < 0xF5 => 4,
        _ => 0,
    };

    /// <summary>Records failure; returns <see langword="false"/> for tail calls.</summary>
    private bool Fail()
    {
        _failed = true;
        _needed = 0;
        return false;
    }
}
