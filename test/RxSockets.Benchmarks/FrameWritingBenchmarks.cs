using System;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>The engine's send path: one frame written into a reused buffer writer, masked (client) or not (server).</summary>
[MemoryDiagnoser]
public class FrameWritingBenchmarks : IDisposable
{
    private readonly ArrayBufferWriter<byte> _writer = new(2 * 1024 * 1024);
    private byte[] _payload = [];
    private string _text = string.Empty;
    private ProtocolConnection _engine = null!;

    [Params(64, 4 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [Params(ConnectionSide.Client, ConnectionSide.Server)]
    public ConnectionSide Side { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        new Random(6455).NextBytes(_payload);
        _text = new string('x', Size);
        _engine = new ProtocolConnection(Side, null, new FixedMaskKeyProvider(0x3d21fa37));
    }

    [Benchmark]
    public long WriteBinary()
    {
        _writer.ResetWrittenCount();
        return _engine.SendBinary(_payload, _writer);
    }

    [Benchmark]
    public long WriteTextFromString()
    {
        _writer.ResetWrittenCount();
        return _engine.SendText(_text, _writer);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _engine.Dispose();
        GC.SuppressFinalize(this);
    }
}
