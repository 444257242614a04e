using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Connections;

/// <summary>
/// An idle connection over a caller's stream waits with a zero-byte read, so it holds no read
/// buffer (docs/performance.md, "Inside Kestrel"), and still receives, closes and fails as before.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class IdleStreamTests
{
    [Test]
    public async Task IdleConnection_WaitsWithAZeroByteRead_ThenReceivesAndClosesNormally()
    {
        (Socket a, Socket b) = await TcpPairAsync();
        var recording = new RecordingStream(new NetworkStream(a, ownsSocket: true));
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(recording, ConnectionSide.Server, new WebSocketOptions { PingInterval = null });
        await using WebSocketConnection client = WebSocketConnection.CreateFromStream(new NetworkStream(b, ownsSocket: true), ConnectionSide.Client, new WebSocketOptions { PingInterval = null });

        await recording.WaitingWithEmptyRead.Task.Within();
        Assert.That(recording.PendingNonEmptyReads, Is.Zero, "an idle connection has no buffer out in a read");

        await client.SendAsync("after idling");
        Assert.That(await server.ReceiveTextAsync().Within(), Is.EqualTo("after idling"));
        await server.SendAsync("back");
        Assert.That(await client.ReceiveTextAsync().Within(), Is.EqualTo("back"));

        await client.CloseAsync(CloseCode.NormalClosure, "bye").Within();
        await server.Completion.Within();
        Assert.That(server.ClosedException!.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(client.ClosedException!.IsNormal, Is.True);
    }

    [Test]
    public async Task IdleConnection_PeerVanishes_CompletesWith1006()
    {
        (Socket a, Socket b) = await TcpPairAsync();
        var recording = new RecordingStream(new NetworkStream(a, ownsSocket: true));
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(recording, ConnectionSide.Server, new WebSocketOptions { PingInterval = null });
        await recording.WaitingWithEmptyRead.Task.Within();

        b.LingerState = new LingerOption(true, 0);
        b.Close(); // RST, no close frame
        await server.Completion.Within();
        Assert.That(server.ClosedException!.Code, Is.EqualTo(CloseCode.AbnormalClosure));
    }

    [Test]
    public async Task IdleConnection_AbortedLocally_CompletesAndDisposesTheStream()
    {
        (Socket a, Socket b) = await TcpPairAsync();
        using Socket peer = b;
        var recording = new RecordingStream(new NetworkStream(a, ownsSocket: true));
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(recording, ConnectionSide.Server, new WebSocketOptions { PingInterval = null });
        await recording.WaitingWithEmptyRead.Task.Within();

        server.Abort();
        await server.Completion.Within();
        Assert.That(server.ClosedException!.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(recording.Disposed, Is.True);
    }

    private static async Task<(Socket Server, Socket Client)> TcpPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connected = client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await listener.AcceptAsync();
        await connected.Within();
        return (server, client);
    }

    /// <summary>Passes everything to the inner stream and records the reads it is asked for.</summary>
    private sealed class RecordingStream(Stream inner) : Stream
    {
        private int _pendingNonEmpty;

        /// <summary>Completes once a zero-byte read is waiting with nothing to read.</summary>
        public TaskCompletionSource WaitingWithEmptyRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int PendingNonEmptyReads => Volatile.Read(ref _pendingNonEmpty);

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                ValueTask<int> waiting = inner.ReadAsync(buffer, cancellationToken);
                if (!waiting.IsCompleted)
                {
                    WaitingWithEmptyRead.TrySetResult();
                }

                return await waiting.ConfigureAwait(false);
            }

            Interlocked.Increment(ref _pendingNonEmpty);
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingNonEmpty);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            Disposed = true;
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
