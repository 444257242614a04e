using System;
using System.Text;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>The kind of text validated by <see cref="Utf8ValidationBenchmarks"/>.</summary>
public enum TextKind
{
    /// <summary>English ASCII only, the common case for JSON protocols.</summary>
    Ascii,

    /// <summary>A mix of 1- to 4-byte sequences: Latin, Greek, Cyrillic, Arabic, CJK, emoji.</summary>
    Multilingual,
}

/// <summary>
/// <see cref="Utf8Validator"/> on a whole message and in 4 KiB chunks (so sequences are split
/// across chunk boundaries), with the BCL's <see cref="Utf8.IsValid"/> as the baseline.
/// </summary>
[MemoryDiagnoser]
public class Utf8ValidationBenchmarks
{
    private const int ChunkSize = 4 * 1024;

    private const string AsciiSample =
        "{\"type\":\"message\",\"channel\":\"general\",\"user\":\"U024BE7LH\",\"text\":\"Hello world, the quick brown fox jumps over the lazy dog.\"}\n";

    private const string MultilingualSample =
        "Hello, world! Grüße aus Köln. Καλημέρα κόσμε. Привет, мир! مرحبا بالعالم. 你好，世界。こんにちは世界。안녕하세요 세계. 😀🚀🎉 €100 ≈ ¥15,000.\n";

    private byte[] _text = [];

    [Params(64, 4 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [Params(TextKind.Ascii, TextKind.Multilingual)]
    public TextKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _text = MakeText(Kind == TextKind.Ascii ? AsciiSample : MultilingualSample, Size);
        if (!Utf8.IsValid(_text))
        {
            throw new InvalidOperationException("The benchmark text must be valid UTF-8.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool Utf8IsValid() => Utf8.IsValid(_text);

    [Benchmark]
    public bool Whole()
    {
        var validator = default(Utf8Validator);
        return validator.TryAppend(_text) && validator.IsComplete;
    }

    [Benchmark]
    public bool Chunked4K()
    {
        var validator = default(Utf8Validator);
        ReadOnlySpan<byte> remaining = _text;
        while (remaining.Length > ChunkSize)
        {
            if (!validator.TryAppend(remaining.Slice(0, ChunkSize)))
            {
                return false;
            }

            remaining = remaining.Slice(ChunkSize);
        }

        return validator.TryAppend(remaining) && validator.IsComplete;
    }

    /// <summary>
    /// Repeats <paramref name="sample"/> to exactly <paramref name="size"/> bytes of valid UTF-8:
    /// cut at a sequence boundary, then padded with spaces.
    /// </summary>
    private static byte[] MakeText(string sample, int size)
    {
        byte[] unit = Encoding.UTF8.GetBytes(sample);
        byte[] text = new byte[size];
        for (int i = 0; i < size; i += unit.Length)
        {
            unit.AsSpan(0, Math.Min(unit.Length, size - i)).CopyTo(text.AsSpan(i));
        }

        int end = size;
        while (end > 0 && (text[end - 1] & 0xC0) == 0x80)
        {
            end--;
        }

        if (end > 0 && text[end - 1] >= 0xC0)
        {
            end--; // the lead byte of the cut sequence
        }

        text.AsSpan(end).Fill((byte)' ');
        return text;
    }
}
