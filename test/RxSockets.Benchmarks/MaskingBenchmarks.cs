using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>
/// <see cref="Masking.Apply"/> against the byte-at-a-time loop RFC 6455 §5.3 describes (STYLE S8).
/// The buffer is masked in place on every call; XOR is its own inverse, so the data stays bounded.
/// </summary>
[MemoryDiagnoser]
public class MaskingBenchmarks
{
    private byte[] _data = [];
    private int _maskKey;

    [Params(64, 4 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(6455);
        _data = new byte[Size];
        random.NextBytes(_data);
        _maskKey = random.Next();
    }

    [Benchmark(Baseline = true)]
    public int NaiveScalar()
    {
        int key = _maskKey;
        ReadOnlySpan<byte> keyBytes = MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in key));
        Span<byte> data = _data;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= keyBytes[i & 3];
        }

        return data.Length & 3;
    }

    [Benchmark]
    public int Apply() => Masking.Apply(_data, _maskKey, 0);
}
