using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Cli.Load;

namespace RxSockets.LoadTool;

/// <summary>What a fan-out run shares between its connections: whether it measures now, and the latency histograms.</summary>
internal sealed class FanOutMeasure
{
    private const int Stripes = 16;
    private readonly LatencyHistogram[] _histograms = new LatencyHistogram[Stripes];
    private readonly double _nanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    private volatile bool _measuring;

    public FanOutMeasure()
    {
        for (int i = 0; i < Stripes; i++)
        {
            _histograms[i] = new LatencyHistogram();
        }
    }

    /// <summary>Whether latencies are recorded now (the measurement window).</summary>
    public bool Measuring
    {
        get => _measuring;
        set => _measuring = value;
    }

    /// <summary>Records a publish-to-receive latency from the payload's timestamp (connections share 16 locked stripes).</summary>
    public void Record(int id, long sentTimestamp, long receivedTimestamp)
    {
        LatencyHistogram histogram = _histograms[id % Stripes];
        long nanoseconds = (long)((receivedTimestamp - sentTimestamp) * _nanosecondsPerTick);
        lock (histogram)
        {
            histogram.Record(nanoseconds);
        }
    }

    /// <summary>All stripes merged.</summary>
    public LatencyHistogram Merged()
    {
        var all = new LatencyHistogram();
        foreach (LatencyHistogram histogram in _histograms)
        {
            lock (histogram)
            {
                all.Add(histogram);
            }
        }

        return all;
    }
}

/// <summary>
/// One raw-socket connection of a fan-out run: a subscriber that counts every payload it receives,
/// checks the sequence (gaps, duplicates) and records the publish-to-receive latency, or the
/// publisher's connection (which only keeps its socket read). Answers pings with pongs; nothing here
/// allocates per message.
/// </summary>
internal sealed class FanOutConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly FanOutServer _server;
    private readonly int _id;
    private readonly uint _mask;
    private readonly bool _counts;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _buffer = new byte[2048];
    private int _filled;
    private long _received;
    private long _lastSeq = -1;
    private long _missing;
    private long _duplicates;

    private FanOutConnection(Socket socket, byte[] leftover, FanOutServer server, int id, bool counts)
    {
        _socket = socket;
        _server = server;
        _id = id;
        _counts = counts;
        _mask = unchecked((uint)((id + 1) * 0x9E3779B9));
        leftover.CopyTo(_buffer, 0);
        _filled = leftover.Length;
        if (server is FanOutServer.RxSockets or FanOutServer.Naive || (!counts && server == FanOutServer.Topic))
        {
            _ready.TrySetResult(); // nothing to wait for: subscribed (or publishing) by connecting
        }
    }

    /// <summary>Completes when the server has acknowledged the subscription (SignalR's handshake answer, the feed's <c>subscribed</c>).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Payloads received.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>The last sequence number received, or -1.</summary>
    public long LastSeq => Volatile.Read(ref _lastSeq);

    /// <summary>Sequence numbers skipped between two received ones.</summary>
    public long Missing => Volatile.Read(ref _missing);

    /// <summary>Payloads whose sequence number was not greater than the previous one.</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Why the connection ended, if it did.</summary>
    public string? Ended { get; private set; }

    /// <summary>Connects, upgrades, and (SignalR) sends the protocol handshake.</summary>
    /// <param name="port">The server's port.</param>
    /// <param name="server">Which server it is.</param>
    /// <param name="id">The connection's number (its mask and histogram stripe).</param>
    /// <param name="publisher">Whether it is the publisher.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <param name="stalled">A subscriber that will never read: a 4 KiB receive buffer, and nobody calls <see cref="RunAsync"/>.</param>
    public static async Task<FanOutConnection> ConnectAsync(int port, FanOutServer server, int id, bool publisher, CancellationToken cancellationToken, bool stalled = false)
    {
        string path = publisher ? FanOutProtocol.PublisherPath(server) : FanOutProtocol.SubscriberPath(server);
        (Socket socket, byte[] leftover) = await RawHandshake.ConnectAsync(port, path, cancellationToken, stalled ? 4096 : null).ConfigureAwait(false);
        var connection = new FanOutConnection(socket, leftover, server, id, counts: !publisher);
        if (server == FanOutServer.SignalR)
        {
            await connection.SendAsync(FanOutProtocol.SignalRHandshake, cancellationToken).ConfigureAwait(false);
        }

        return connection;
    }

    /// <summary>Sends one text message.</summary>
    public async Task SendAsync(byte[] text, CancellationToken cancellationToken)
    {
        byte[] frame = FanOutProtocol.ClientFrame(0x1, text, _mask);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads until the connection ends or <paramref name="cancellationToken"/> is cancelled; never throws.</summary>
    public async Task RunAsync(FanOutMeasure measure, CancellationToken cancellationToken)
    {
        try
        {
            Process(measure); // bytes that came with the 101
            while (true)
            {
                if (_filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                int read = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    Ended = "the server closed TCP";
                    return;
                }

                _filled += read;
                if (!Process(measure))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Ended ??= ex.Message;
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>Handles every whole frame in the buffer and keeps the rest; false after a close frame.</summary>
    private bool Process(FanOutMeasure measure)
    {
        int position = 0;
        while (TryFrame(_buffer.AsSpan(position, _filled - position), out int opcode, out int header, out int length))
        {
            ReadOnlySpan<byte> payload = _buffer.AsSpan(position + header, length);
            switch (opcode)
            {
                case 0x0 or 0x1 or 0x2:
                    OnData(payload, measure);
                    break;
                case 0x8:
                    Ended = length >= 2 ? $"closed by the server with {BinaryPrimitives.ReadUInt16BigEndian(payload)}" : "closed by the server";
                    return false;
                case 0x9:
                    _ = PongAsync(payload.ToArray());
                    break;
            }

            position += header + length;
        }

        _buffer.AsSpan(position, _filled - position).CopyTo(_buffer);
        _filled -= position;
        return true;
    }

    private void OnData(ReadOnlySpan<byte> payload, FanOutMeasure measure)
    {
        if (!_ready.Task.IsCompleted)
        {
            _ready.TrySetResult(); // SignalR's {} or the feed's subscribed: the first data frame
        }

        if (!_counts)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        int from = 0;
        while (FanOutProtocol.TryReadPayload(payload, ref from, out long timestamp, out long seq))
        {
            Interlocked.Increment(ref _received);
            long last = _lastSeq;
            if (seq <= last)
            {
                Interlocked.Increment(ref _duplicates);
                continue;
            }

            if (last >= 0 && seq > last + 1)
            {
                Interlocked.Add(ref _missing, seq - last - 1);
            }

            Volatile.Write(ref _lastSeq, seq);
            if (measure.Measuring)
            {
                measure.Record(_id, timestamp, now);
            }
        }
    }

    private async Task PongAsync(byte[] payload)
    {
        byte[] frame = FanOutProtocol.ClientFrame(0xA, payload, _mask);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads a server frame's header (unmasked); false when the whole frame is not there yet.</summary>
    private static bool TryFrame(ReadOnlySpan<byte> data, out int opcode, out int header, out int length)
    {
        opcode = header = length = 0;
        if (data.Length < 2)
        {
            return false;
        }

        opcode = data[0] & 0x0F;
        int length7 = data[1] & 0x7F;
        header = 2;
        long size = length7;
        if (length7 == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            size = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length7 == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            size = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
        }

        length = (int)size;
        return data.Length >= header + length;
    }
}
