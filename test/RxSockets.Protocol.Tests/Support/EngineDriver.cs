using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;

namespace RxSockets.Protocol.Tests;

/// <summary>An event with its payload copied out of the engine's borrowed buffer.</summary>
internal sealed record RecordedEvent(ProtocolEventType Type, byte[] Payload, CloseStatus CloseStatus, ProtocolError Error)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);

    public override string ToString() => $"{Type} {Hex.Of(Payload)} {CloseStatus} {Error}";
}

/// <summary>
/// Feeds bytes to a <see cref="ProtocolConnection"/> the way a runtime over a pipe does: unconsumed
/// bytes are kept and offered again with the next chunk. Records events and the engine's output.
/// </summary>
internal sealed class EngineDriver
{
    private readonly List<byte[]> _unconsumed = [];

    public EngineDriver(ProtocolConnection engine) => Engine = engine;

    public EngineDriver(ConnectionSide side, ProtocolLimits? limits = null)
        : this(new ProtocolConnection(side, limits, new FixedMaskKeyProvider(0x3d21fa37)))
    {
    }

    public ProtocolConnection Engine { get; }

    public List<RecordedEvent> Events { get; } = [];

    /// <summary>Feeds <paramref name="data"/> in chunks of <paramref name="chunkSize"/> bytes.</summary>
    public EngineDriver Feed(byte[] data, int chunkSize = int.MaxValue)
    {
        for (int i = 0; i < data.Length; i += chunkSize)
        {
            FeedChunk(data.AsSpan(i, Math.Min(chunkSize, data.Length - i)).ToArray());
        }

        return this;
    }

    public EngineDriver Feed(string hex, int chunkSize = int.MaxValue) => Feed(Hex.Bytes(hex), chunkSize);

    /// <summary>Feeds <paramref name="data"/> split at random points (seeded), in multi-segment sequences.</summary>
    public EngineDriver FeedRandomly(byte[] data, Random random)
    {
        int i = 0;
        while (i < data.Length)
        {
            int n = Math.Min(data.Length - i, 1 + random.Next(random.Next(2) == 0 ? 8 : 4096));
            FeedChunk(data.AsSpan(i, n).ToArray());
            i += n;
        }

        return this;
    }

    public void FeedChunk(byte[] chunk)
    {
        _unconsumed.Add(chunk);
        ReadOnlySequence<byte> buffer = SegmentedSequence.Create(_unconsumed);
        while (true)
        {
            Engine.ReceiveData(buffer, out SequencePosition consumed, out SequencePosition examined);
            buffer = buffer.Slice(consumed);
            bool any = DrainEvents();
            if (!any)
            {
                break;
            }
        }

        _unconsumed.Clear();
        if (!buffer.IsEmpty)
        {
            _unconsumed.Add(buffer.ToArray());
        }
    }

    public void ReceiveEof()
    {
        Engine.ReceiveEof();
        DrainEvents();
    }

    /// <summary>Bytes the engine queued by itself (pongs, close echoes, failure closes).</summary>
    public byte[] TakeOutput()
    {
        var writer = new ArrayBufferWriter<byte>();
        Engine.WritePendingOutput(writer);
        return writer.WrittenSpan.ToArray();
    }

    public RecordedEvent Single() => Events.Single();

    private bool DrainEvents()
    {
        bool any = false;
        while (Engine.TryReadEvent(out ProtocolEvent e))
        {
            any = true;
            Events.Add(new RecordedEvent(e.Type, e.Payload.ToArray(), e.CloseStatus, e.Error));
        }

        return any;
    }
}
