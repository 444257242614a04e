using System;
using System.Buffers;
using System.Collections.Generic;

namespace RxSockets.Protocol.Tests;

/// <summary>An <see cref="IBufferWriter{T}"/> that offers small spans, like a pipe near the end of a segment.</summary>
internal sealed class SmallSpanBufferWriter(int spanSize) : IBufferWriter<byte>
{
    private readonly List<byte> _written = [];
    private byte[] _current = [];

    public byte[] WrittenBytes => [.. _written];

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _current.Length);
        _written.AddRange(_current.AsSpan(0, count));
        _current = [];
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, spanSize)];

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
