using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading;

namespace RxSockets;

/// <summary>
/// The payload of a large received binary message, kept in the array the engine reassembled it in
/// (rented from <see cref="ArrayPool{T}.Shared"/>) instead of a fresh copy. The array goes
/// back to the pool when the last holder lets go: the receiver (<see cref="PooledMessage.Dispose"/>,
/// or the copy <c>ReceiveAsync</c> makes) and every send still using the bytes (a queued message, a
/// payload sent straight from this memory). A send therefore never reads an array that another
/// connection has rented meanwhile, even when its caller disposed the message early or cancelled.
/// </summary>
/// <remarks>
/// Reading the memory after the last release throws <see cref="ObjectDisposedException"/> (a span
/// taken earlier is the caller's responsibility). A holder that never releases only costs pooling:
/// the array is then collected like any other. Thread-safe.
/// </remarks>
internal sealed class PooledPayload : MemoryManager<byte>
{
    private readonly int _length;
    private byte[]? _array;

    /// <summary>Holders: 1 for the receiver, plus one per send that still uses the bytes; 0 once returned.</summary>
    private int _holders = 1;

    /// <summary>Whether the receiver has let go (its release happens once, however often it disposes).</summary>
    private int _receiverReleased;

    /// <summary>Wraps a rented array whose first <paramref name="length"/> bytes are the payload; the receiver holds it.</summary>
    public PooledPayload(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    /// <summary>How many hold the bytes now (the receiver and the sends using them); 0 once returned. For tests.</summary>
    internal int Holders => Volatile.Read(ref _holders);

    /// <summary>The payload of <paramref name="message"/> when it is pooled memory, else null (text, arrays, anything else).</summary>
    public static PooledPayload? Of(Message message) => message.IsText ? null : Of(message.BinaryData);

    /// <summary>The pooled payload behind <paramref name="memory"/>, else null.</summary>
    public static PooledPayload? Of(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetMemoryManager(memory, out PooledPayload? payload) ? payload : null;

    /// <summary>Adds a holder for a send that keeps using the bytes after its call returns.</summary>
    /// <exception cref="ObjectDisposedException">The bytes went back to the pool already.</exception>
    public void Retain()
    {
        int holders = Volatile.Read(ref _holders);
        while (true)
        {
            if (holders == 0)
            {
                throw Disposed();
            }

            int seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
            {
                return;
            }

            holders = seen;
        }
    }

    /// <summary>Removes a holder; the last one returns the array to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0 && Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> when the bytes went back to the pool already.</summary>
    public void ThrowIfReleased()
    {
        if (Volatile.Read(ref _holders) == 0)
        {
            throw Disposed();
        }
    }

    /// <summary>A fresh array with the payload, for consumers that keep messages; the receiver's hold ends.</summary>
    public byte[] CopyAndRelease()
    {
        byte[] copy = GC.AllocateUninitializedArray<byte>(_length);
        GetSpan().CopyTo(copy);
        ReleaseReceiver();
        return copy;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan() =>
        Volatile.Read(ref _array) is { } array && Volatile.Read(ref _holders) > 0 ? array.AsSpan(0, _length) : throw Disposed();

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        byte[] array = Volatile.Read(ref _array) ?? throw Disposed();
        return array.AsMemory(elementIndex, _length - elementIndex).Pin();
    }

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        // The array itself stays private: code holding it could not be stopped after the release.
        segment = default;
        return false;
    }

    /// <summary>The receiver lets go (idempotent); the bytes return to the pool once no send uses them.</summary>
    public void ReleaseReceiver()
    {
        if (Interlocked.Exchange(ref _receiverReleased, 1) == 0)
        {
            Release();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => ReleaseReceiver();

    private static ObjectDisposedException Disposed() =>
        new(nameof(PooledMessage), "The pooled message was disposed: its payload went back to the pool.");

    /// <summary>
    /// <paramref name="message"/> with a payload of its own: a pooled payload is copied and goes
    /// back to the pool (STYLE S6: whoever takes a message this way may keep it).
    /// </summary>
    internal static Message Owned(Message message) =>
        Of(message) is { } pooled ? Message.FromBinary(pooled.CopyAndRelease()) : message;
}
