using System;
using System.Buffers;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;

namespace RxSockets.Benchmarks;

/// <summary>
/// permessage-deflate in the engine: compressing a text message into a frame (server side, no
/// masking) and receiving such a frame (client side: inflate, UTF-8 validation, event). JSON-like
/// text of 64 B, 4 KiB and 1 MiB; 16 different messages in turn so context takeover sees a
/// realistic stream rather than the same message again. Steady state must not allocate.
/// </summary>
[MemoryDiagnoser]
public class CompressionBenchmarks : IDisposable
{
    private const int Variants = 16;
    private readonly ArrayBufferWriter<byte> _output = new(4 << 20);
    private byte[][] _messages = [];
    private ReadOnlySequence<byte>[] _frames = [];
    private ProtocolConnection _sender = null!;
    private ProtocolConnection _receiver = null!;
    private int _next;

    [Params(64, 4096, 1 << 20)]
    public int Size { get; set; }

    /// <summary>With context takeover (RFC default) or without (zlib stream released after each message).</summary>
    [Params(true, false)]
    public bool ContextTakeover { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new PerMessageDeflateOptions { Threshold = 0, ServerContextTakeover = ContextTakeover };
        PerMessageDeflate.TryAccept([PerMessageDeflate.CreateOffer(options)], options, out PerMessageDeflate? server, out ExtensionOffer? response);
        PerMessageDeflate.TryAcceptResponse(response!, options, out PerMessageDeflate? client, out _);
        _sender = new ProtocolConnection(ConnectionSide.Server, new ProtocolLimits { MaxMessageSize = 0, MaxFrameSize = 0 }, null, server);
        _receiver = new ProtocolConnection(ConnectionSide.Client, new ProtocolLimits { MaxMessageSize = 0, MaxFrameSize = 0 }, null, client);
        _messages = [.. Enumerable.Range(0, Variants).Select(v => Json(Size, v))];

        // Each frame from a fresh compressor: it references no earlier message, so the receiver
        // may inflate the frames in any order and any number of times, with or without context.
        var writer = new ArrayBufferWriter<byte>();
        _frames = [.. _messages.Select(m =>
        {
            using var producer = new ProtocolConnection(ConnectionSide.Server, new ProtocolLimits { MaxMessageSize = 0, MaxFrameSize = 0 }, null, server);
            writer.ResetWrittenCount();
            producer.SendText(m, writer);
            return new ReadOnlySequence<byte>(writer.WrittenSpan.ToArray());
        })];
    }

    [Benchmark]
    public int Compress()
    {
        _output.ResetWrittenCount();
        _sender.SendText(_messages[_next++ % Variants], _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int Decompress()
    {
        _receiver.ReceiveData(_frames[_next++ % Variants], out _, out _);
        _receiver.TryReadEvent(out ProtocolEvent e);
        return e.Payload.Length;
    }

    public void Dispose()
    {
        _sender?.Dispose();
        _receiver?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>JSON-like text of exactly <paramref name="size"/> bytes; <paramref name="variant"/> changes the numbers.</summary>
    private static byte[] Json(int size, int variant)
    {
        var builder = new StringBuilder(size + 100);
        var random = new Random(variant);
        while (builder.Length < size)
        {
            builder.Append("{\"seq\":").Append(random.Next(1_000_000)).Append(",\"symbol\":\"MSFT\",\"price\":")
                .Append(random.Next(10_000, 99_999)).Append('.').Append(random.Next(100)).Append(",\"side\":\"")
                .Append(random.Next(2) == 0 ? "buy" : "sell").Append("\"}");
        }

        return Encoding.UTF8.GetBytes(builder.ToString(0, size));
    }
}
