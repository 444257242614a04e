using System;
using System.Buffers;
using System.Collections.Generic;

namespace RxSockets.Protocol.Tests;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/>, as a pipe delivers it.</summary>
internal static class SegmentedSequence
{
    public static ReadOnlySequence<byte> Create(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
