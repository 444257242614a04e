using System;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Connections over a caller's stream or pipe whose handshake happened elsewhere: a Unix domain
/// socket and a pair of in-process pipes run the same engine and surfaces as TCP connections.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class CreateFromStreamTests
{
    [Test]
    public async Task CreateFromStream_OverAUnixDomainSocket_ExchangesMessagesAndClosesNormally()
    {
        if (!Socket.OSSupportsUnixDomainSockets)
        {
            Assert.Ignore("no Unix domain sockets on this system");
        }

        string path = Path.Combine(Path.GetTempPath(), $"rxsockets-{Guid.NewGuid():N}.sock");
        try
        {
            (Socket connecting, Socket accepted) = await SocketPairs.UnixAsync(path);

            await using WebSocketConnection server = WebSocketConnection.CreateFromStream(new NetworkStream(accepted, ownsSocket: true), ConnectionSide.Server, new WebSocketOptions { PingInterval = null });
            await using WebSocketConnection client = WebSocketConnection.CreateFromStream(new NetworkStream(connecting, ownsSocket: true), ConnectionSide.Client, new WebSocketOptions { PingInterval = null });
            using IDisposable echo = server.Subscribe(server); // the Rx echo, as over TCP

            await client.SendAsync("over a unix socket");
            await client.SendAsync(new byte[70_000]);
            Assert.That(await client.ReceiveTextAsync().Within(), Is.EqualTo("over a unix socket"));
            Assert.That((await client.ReceiveAsync().Within()).Data.Length, Is.EqualTo(70_000));
            TimeSpan latency = await client.PingAsync().Within();
            Assert.That(latency, Is.GreaterThanOrEqualTo(TimeSpan.Zero));

            await client.CloseAsync(CloseCode.NormalClosure, "done").Within();
            await server.Completion.Within();
            Assert.That(client.ClosedException!.IsNormal, Is.True);
            Assert.That(server.ClosedException!.Received, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task CreateFromPipe_WithTheUpgradesAgreement_ExposesItAndCompressesBothWays()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        (PerMessageDeflate clientDeflate, PerMessageDeflate serverDeflate) = Negotiate();
        var headers = new HttpHeaders();
        headers.Add("Host", "x");
        var request = new HandshakeRequest("GET", "/chat?room=1", "HTTP/1.1", headers);
        await using WebSocketConnection server = WebSocketConnection.CreateFromPipe(
            new Duplex(toServer.Reader, toClient.Writer),
            ConnectionSide.Server,
            null,
            new UpgradeResult { Subprotocol = "chat.v1", Compression = serverDeflate, Request = request });
        await using WebSocketConnection client = WebSocketConnection.CreateFromPipe(
            new Duplex(toClient.Reader, toServer.Writer),
            ConnectionSide.Client,
            null,
            new UpgradeResult { Subprotocol = "chat.v1", Compression = clientDeflate });

        string big = string.Concat(Enumerable.Repeat("compress me ", 500));
        await client.SendAsync(big);
        Message received = await server.ReceiveAsync().Within();

        Assert.That(received.Text, Is.EqualTo(big));
        Assert.That(server.Path, Is.EqualTo("/chat"));
        Assert.That(server.Subprotocol, Is.EqualTo("chat.v1"));
        Assert.That(server.Compression, Is.Not.Null);
        await server.CloseAsync().Within();
        Assert.That(async () => await client.ReceiveAsync().Within(), Throws.InstanceOf<ConnectionClosedException>().With.Property(nameof(ConnectionClosedException.IsNormal)).True);
    }

    [Test]
    public void CreateFromStream_WriteOnlyStream_ThrowsArgumentException()
    {
        using var writeOnly = new MemoryStream([], writable: true);
        using var readOnly = new MemoryStream([], writable: false);

        Assert.That(() => WebSocketConnection.CreateFromStream(readOnly, ConnectionSide.Client), Throws.ArgumentException);
        Assert.That(() => WebSocketConnection.CreateFromStream(null!, ConnectionSide.Client), Throws.ArgumentNullException);
        Assert.That(() => WebSocketConnection.CreateFromPipe(null!, ConnectionSide.Client), Throws.ArgumentNullException);
    }

    private static (PerMessageDeflate Client, PerMessageDeflate Server) Negotiate()
    {
        var options = new PerMessageDeflateOptions();
        ExtensionOffer offer = PerMessageDeflate.CreateOffer(options);
        Assert.That(PerMessageDeflate.TryAccept([offer], options, out PerMessageDeflate? server, out ExtensionOffer? response), Is.True);
        Assert.That(PerMessageDeflate.TryAcceptResponse(response!, options, out PerMessageDeflate? client, out _), Is.True);
        return (client!, server!);
    }

    [Test]
    public async Task AwaitedSend_OverAStream_IsWrittenOnTheSendersThreadWithinTheCall()
    {
        (Socket connecting, Socket accepted) = await SocketPairs.TcpAsync();
        var recording = new SendRecordingStream(new NetworkStream(accepted, ownsSocket: true));
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(recording, ConnectionSide.Server, new WebSocketOptions { PingInterval = null });
        await using WebSocketConnection client = WebSocketConnection.CreateFromStream(new NetworkStream(connecting, ownsSocket: true), ConnectionSide.Client, new WebSocketOptions { PingInterval = null });

        for (int i = 0; i < 3; i++)
        {
            ValueTask sending;
            SendRecordingStream.InsideSend = true;
            try
            {
                sending = server.SendAsync(Traffic.Number(i)); // the synchronous part of the call
            }
            finally
            {
                SendRecordingStream.InsideSend = false;
            }

            await sending.Within();
            Assert.That(await client.ReceiveTextAsync().Within(), Is.EqualTo(Traffic.Number(i)));
        }

        // The sender waits for its frame anyway: it writes it itself instead of handing it to a
        // writer on another thread and waiting for that one (two hand-offs per message).
        Assert.That(recording.WritesInsideSend, Is.EqualTo(3));
        Assert.That(recording.Writes, Is.EqualTo(3));
    }

    [Test]
    public async Task AwaitedSend_WhenTheStreamFailsUnderIt_ThrowsConnectionClosedAndTheConnectionEnds()
    {
        (Socket connecting, Socket accepted) = await SocketPairs.TcpAsync();
        using Socket peer = connecting; // kept open: the failure is the stream's own
        var recording = new SendRecordingStream(new NetworkStream(accepted, ownsSocket: true)) { FailWrites = true };
        await using WebSocketConnection server = WebSocketConnection.CreateFromStream(recording, ConnectionSide.Server, new WebSocketOptions { PingInterval = null });

        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await server.SendAsync("lost").AsTask().Within());
        await server.Completion.Within();
        Assert.That(server.ClosedException!.IsNormal, Is.False);
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await server.SendAsync("after").AsTask().Within());
    }

    /// <summary>A stream that counts its writes, and those made inside the synchronous part of a marked send call.</summary>
    private sealed class SendRecordingStream(Stream inner) : Stream
    {
        [ThreadStatic]
        public static bool InsideSend;

        private int _writes;
        private int _writesInsideSend;

        public int Writes => Volatile.Read(ref _writes);

        public int WritesInsideSend => Volatile.Read(ref _writesInsideSend);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, System.Threading.CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        /// <summary>Whether writes fail, as a stream whose peer went away does.</summary>
        public bool FailWrites { get; init; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, System.Threading.CancellationToken cancellationToken = default)
        {
            if (FailWrites)
            {
                throw new IOException("the peer went away");
            }

            Interlocked.Increment(ref _writes);
            if (InsideSend)
            {
                Interlocked.Increment(ref _writesInsideSend);
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(System.Threading.CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

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
    }
}
