using System;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>
/// The engine's receive path: a stream of 1,000 small masked frames (as a server receives them)
/// parsed, unmasked, UTF-8 validated and handed out as events. Per-frame work must not allocate.
/// </summary>
[MemoryDiagnoser]
public class FrameParsingBenchmarks : IDisposable
{
    private const int Frames = 1000;
    private ReadOnlySequence<byte> _input;
    private ProtocolConnection _engine = null!;

    [Params(16, 64, 1024)]
    public int PayloadSize { get; set; }

    [Params(true, false)]
    public bool Text { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var client = new ProtocolConnection(ConnectionSide.Client, null, new FixedMaskKeyProvider(0x3d21fa37));
        var writer = new ArrayBufferWriter<byte>();
        byte[] payload = new byte[PayloadSize];
        payload.AsSpan().Fill((byte)'x');
        for (int i = 0; i < Frames; i++)
        {
            if (Text)
            {
                client.SendText(payload, writer);
            }
            else
            {
                client.SendBinary(payload, writer);
            }
        }

        _input = new ReadOnlySequence<byte>(writer.WrittenMemory);
        _engine = new ProtocolConnection(ConnectionSide.Server);
    }

    /// <summary>Parses all frames; returns the bytes delivered so the JIT cannot drop the work.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public long ParseSmallFrames()
    {
        ReadOnlySequence<byte> buffer = _input;
        long delivered = 0;
        while (true)
        {
            _engine.ReceiveData(buffer, out SequencePosition consumed, out _);
            buffer = buffer.Slice(consumed);
            bool any = false;
            while (_engine.TryReadEvent(out ProtocolEvent e))
            {
                any = true;
                delivered += e.Payload.Length;
            }

            if (!any)
            {
                return delivered;
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _engine.Dispose();
        GC.SuppressFinalize(this);
    }
}
