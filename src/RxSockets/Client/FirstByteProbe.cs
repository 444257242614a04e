using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A pass-through stream under a client's TLS stream that remembers the first byte the server
/// sent. A TLS server's first record is a handshake record (0x16), or an alert (0x15) when it
/// refuses the hello; a byte outside the record types 0x14–0x17 (an HTTP response starts with
/// 'H') means the server does not speak TLS on that port, which the TLS stack only reports as a
/// corrupted frame. The client turns that into a clear error.
/// </summary>
internal sealed class FirstByteProbe(Stream inner) : Stream
{
    /// <summary>The first byte the server sent, or -1 before any.</summary>
    public int FirstByte { get; private set; } = -1;

    /// <summary>Whether the server's first byte shows it does not answer with TLS: not a TLS record type (RFC 8446 §5.1: 20–23).</summary>
    public bool ServerAnsweredWithoutTls => FirstByte is >= 0 and (< 0x14 or > 0x17);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = inner.Read(buffer, offset, count);
        Observe(buffer.AsSpan(offset, read));
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> read)
    {
        if (FirstByte < 0 && !read.IsEmpty)
        {
            FirstByte = read[0];
        }
    }
}
