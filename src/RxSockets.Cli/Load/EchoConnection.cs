using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Cli.Load;

/// <summary>
/// One load connection: keeps <see cref="LoadOptions.Window"/> messages in flight, checks every
/// echo byte for byte and in order, and times each round trip. Frames are built once, masked
/// once (RFC 6455 §5.3), and only the 8-byte sequence number at the start of each payload is
/// patched and re-masked per message, so the client stays cheap next to the server it measures.
/// A send loop and a receive loop run apart, so a large message being sent never keeps the echo
/// of the previous one from being read (that would deadlock against a server with backpressure).
/// </summary>
internal sealed class EchoConnection : IDisposable
{
    private const int SeqBytes = 8;
    private const int BatchLimitBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _leftover;
    private readonly int _size;
    private readonly int _window;
    private readonly bool _text;

    /// <summary>One whole masked frame; its sequence bytes are patched before each send.</summary>
    private readonly byte[] _template;
    private readonly int _payloadStart;
    private readonly byte[] _mask = new byte[4];

    /// <summary>The payload as the server must echo it (the sequence bytes aside).</summary>
    private readonly byte[] _expected;

    /// <summary>Send timestamps by sequence number modulo the window: a slot is reused only after its echo.</summary>
    private readonly long[] _sentAt;
    private readonly SemaphoreSlim _credits;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _batch;
    private readonly TaskCompletionSource _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long _sent;
    private long _received;
    private volatile bool _stopping;
    private volatile bool _closing;

    private EchoConnection(Socket socket, byte[] leftover, LoadOptions options, int id)
    {
        _socket = socket;
        _leftover = leftover;
        _size = options.Size;
        _window = options.Window;
        _text = options.Text;
        _sentAt = new long[_window];
        _credits = new SemaphoreSlim(_window, int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(_mask, unchecked((int)0x9E3779B9 * (id + 1)));

        _expected = new byte[_size];
        for (int i = 0; i < _size; i++)
        {
            _expected[i] = _text ? (byte)('a' + ((i + id) % 26)) : unchecked((byte)((i * 31) + id));
        }

        int lengthBytes = _size < 126 ? 0 : _size <= ushort.MaxValue ? 2 : 8;
        _payloadStart = 2 + lengthBytes + 4;
        _template = new byte[_payloadStart + _size];
        _template[0] = (byte)(0x80 | (_text ? 0x1 : 0x2)); // FIN + text/binary
        switch (lengthBytes)
        {
            case 0:
                _template[1] = (byte)(0x80 | _size);
                break;
            case 2:
                _template[1] = 0x80 | 126;
                BinaryPrimitives.WriteUInt16BigEndian(_template.AsSpan(2), (ushort)_size);
                break;
            default:
                _template[1] = 0x80 | 127;
                BinaryPrimitives.WriteUInt64BigEndian(_template.AsSpan(2), (ulong)_size);
                break;
        }

        _mask.CopyTo(_template, _payloadStart - 4);
        _expected.CopyTo(_template, _payloadStart);
        Mask(_template.AsSpan(_payloadStart), _mask, 0);
        int perBatch = Math.Max(1, Math.Min(_window, BatchLimitBytes / _template.Length));
        _batch = _template.Length <= BatchLimitBytes ? new byte[perBatch * _template.Length] : [];
        Latency = new LatencyHistogram();
    }

    /// <summary>Round trips of messages received while <see cref="Measuring"/> was set.</summary>
    public LatencyHistogram Latency { get; }

    /// <summary>Whether round trips are recorded now (between warm-up and the end of the run).</summary>
    public bool Measuring { get; set; }

    /// <summary>Echoes received and verified so far.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>The first failure (a wrong echo, a reset, an unexpected close), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Opens a connection with its handshake.</summary>
    public static async Task<EchoConnection> ConnectAsync(LoadOptions options, int id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        (Socket socket, byte[] leftover) = await RawHandshake.ConnectAsync(options.Host, options.Port, options.Path, cancellationToken).ConfigureAwait(false);
        return new EchoConnection(socket, leftover, options, id);
    }

    /// <summary>Runs both loops until <see cref="StopAsync"/> or a failure; never throws.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Guard(SendLoopAsync(cancellationToken)), Guard(ReceiveLoopAsync(cancellationToken)));

    /// <summary>Stops sending, waits (up to <paramref name="drain"/>) for the echoes in flight, then closes with 1000.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        _stopping = true;
        _credits.Release(); // wake the send loop so it sees the flag
        long deadline = Stopwatch.GetTimestamp() + (long)(drain.TotalSeconds * Stopwatch.Frequency);
        while (Received < Volatile.Read(ref _sent) && Error is null && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        _closing = true;
        try
        {
            // A close frame with code 1000, masked: 0x88, MASK|2, key, code ^ key.
            byte[] close = [0x88, 0x82, _mask[0], _mask[1], _mask[2], _mask[3], (byte)(0x03 ^ _mask[0]), (byte)(0xE8 ^ _mask[1])];
            await SendAllAsync(close, CancellationToken.None).ConfigureAwait(false);
            await _closeReceived.Task.WaitAsync(drain).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or TimeoutException)
        {
            // The server is gone or slow to close: the socket is closed below either way.
        }
    }

    public void Dispose()
    {
        _closing = true;
        _socket.Dispose();
        _credits.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>XORs <paramref name="data"/> with the mask, starting at <paramref name="offset"/> in the key.</summary>
    private static void Mask(Span<byte> data, ReadOnlySpan<byte> mask, long offset)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= mask[(int)((offset + i) & 3)];
        }
    }

    private async Task Guard(Task loop)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (!_closing)
            {
                Error ??= ex.GetType().Name + ": " + ex.Message;
            }

            _closing = true;
            _stopping = true;
            _closeReceived.TrySetResult();
            try
            {
                _credits.Release();
            }
            catch (Exception release) when (release is SemaphoreFullException or ObjectDisposedException)
            {
            }
        }
    }

    private void WriteSequence(Span<byte> payload, long seq)
    {
        Span<byte> plain = stackalloc byte[SeqBytes];
        if (_text)
        {
            ((uint)seq).TryFormat(plain, out _, "x8", System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(plain, seq);
        }

        for (int i = 0; i < SeqBytes; i++)
        {
            payload[i] = (byte)(plain[i] ^ _mask[i & 3]);
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        if (_leftover.Length > 0)
        {
            throw new InvalidOperationException("The server sent data right after the 101 response.");
        }

        int frame = _template.Length;
        while (true)
        {
            await _credits.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_stopping)
            {
                return;
            }

            int count = 1;
            int most = _batch.Length == 0 ? 1 : _batch.Length / frame;
            while (count < most && _credits.Wait(0, CancellationToken.None))
            {
                count++;
            }

            if (_batch.Length == 0)
            {
                // Large frames go out from the template itself, one at a time.
                if (_size >= SeqBytes)
                {
                    WriteSequence(_template.AsSpan(_payloadStart), _sent);
                }

                _sentAt[_sent % _window] = Stopwatch.GetTimestamp();
                Volatile.Write(ref _sent, _sent + 1);
                await SendAllAsync(_template, cancellationToken).ConfigureAwait(false);
                continue;
            }

            long now = Stopwatch.GetTimestamp();
            for (int k = 0; k < count; k++)
            {
                Span<byte> slot = _batch.AsSpan(k * frame, frame);
                _template.CopyTo(slot);
                if (_size >= SeqBytes)
                {
                    WriteSequence(slot[_payloadStart..], _sent + k);
                }

                _sentAt[(_sent + k) % _window] = now;
            }

            Volatile.Write(ref _sent, _sent + count);
            await SendAllAsync(_batch.AsMemory(0, count * frame), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        int start = 0;
        int end = _leftover.Length;
        _leftover.CopyTo(buffer, 0);
        var frameMask = new byte[4];
        bool inPayload = false;
        bool inMessage = false;
        bool masked = false;
        bool fin = false;
        long remaining = 0;
        long messageOffset = 0;
        while (true)
        {
            while (true)
            {
                if (!inPayload)
                {
                    int available = end - start;
                    if (available < 2)
                    {
                        break;
                    }

                    byte b0 = buffer[start];
                    byte b1 = buffer[start + 1];
                    int opcode = b0 & 0x0F;
                    fin = (b0 & 0x80) != 0;
                    masked = (b1 & 0x80) != 0; // only the reflector sends our masked frames back
                    int length7 = b1 & 0x7F;
                    int header = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
                    if (available < header)
                    {
                        break;
                    }

                    long length = length7 switch
                    {
                        126 => BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 2)),
                        127 => (long)BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(start + 2)),
                        _ => length7,
                    };
                    if (masked)
                    {
                        buffer.AsSpan(start + header - 4, 4).CopyTo(frameMask);
                        if (opcode < 8 && (!fin || opcode == 0 || !frameMask.AsSpan().SequenceEqual(_mask)))
                        {
                            throw new InvalidOperationException("A masked echo that is not one of our own frames.");
                        }
                    }

                    if (opcode >= 8)
                    {
                        if (available < header + length)
                        {
                            break; // control frames (≤ 125 bytes) are handled whole
                        }

                        Span<byte> payload = buffer.AsSpan(start + header, (int)length);
                        if (masked)
                        {
                            Mask(payload, frameMask, 0);
                        }

                        start += header + (int)length;
                        await OnControlFrameAsync(opcode, payload.ToArray(), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if ((opcode == 0) != inMessage)
                    {
                        throw new InvalidOperationException($"Unexpected opcode {opcode} (in a message: {inMessage}).");
                    }

                    if (opcode != 0 && opcode != (_text ? 1 : 2))
                    {
                        throw new InvalidOperationException($"Echo of the wrong type (opcode {opcode}).");
                    }

                    if (!inMessage)
                    {
                        inMessage = true;
                        messageOffset = 0;
                    }

                    start += header;
                    remaining = length;
                    inPayload = true;
                }

                int take = (int)Math.Min(remaining, end - start);
                if (take > 0)
                {
                    Span<byte> chunk = buffer.AsSpan(start, take);
                    Verify(chunk, messageOffset, masked);
                    start += take;
                    remaining -= take;
                    messageOffset += take;
                }

                if (remaining > 0)
                {
                    break; // need more bytes
                }

                inPayload = false;
                if (fin)
                {
                    inMessage = false;
                    OnMessage(messageOffset);
                }
            }

            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }

            int read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _closeReceived.TrySetResult();
                if (!_closing)
                {
                    throw new InvalidOperationException("The server closed the connection.");
                }

                return;
            }

            end += read;
        }
    }

    private async Task OnControlFrameAsync(int opcode, byte[] payload, CancellationToken cancellationToken)
    {
        switch (opcode)
        {
            case 0x8:
                _closeReceived.TrySetResult();
                if (!_closing)
                {
                    string code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload).ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
                    throw new InvalidOperationException($"The server closed the connection with {code}.");
                }

                break;

            case 0x9:
                // A keepalive ping: answer with a masked pong carrying the same payload.
                byte[] pong = new byte[6 + payload.Length];
                pong[0] = 0x8A;
                pong[1] = (byte)(0x80 | payload.Length);
                _mask.CopyTo(pong, 2);
                payload.CopyTo(pong, 6);
                Mask(pong.AsSpan(6), _mask, 0);
                await SendAllAsync(pong, cancellationToken).ConfigureAwait(false);
                break;

            default:
                break; // an unsolicited pong
        }
    }

    /// <summary>
    /// Checks an echoed chunk at <paramref name="offset"/> in its message. A masked chunk (from the
    /// reflector, which returns our own frames) is compared with the masked template as it is,
    /// with no unmasking: the client's cost stays flat whatever the server.
    /// </summary>
    private void Verify(ReadOnlySpan<byte> chunk, long offset, bool masked)
    {
        if (offset + chunk.Length > _size)
        {
            throw new InvalidOperationException($"Echo longer than the {_size} bytes sent.");
        }

        int i = 0;
        if (offset < SeqBytes && _size >= SeqBytes)
        {
            Span<byte> seq = stackalloc byte[SeqBytes];
            WriteSequence(seq, _received); // masked
            if (!masked)
            {
                Mask(seq, _mask, 0);
            }

            for (; i < chunk.Length && offset + i < SeqBytes; i++)
            {
                if (chunk[i] != seq[(int)offset + i])
                {
                    throw new InvalidOperationException($"Echo out of order: expected message {_received}.");
                }
            }
        }

        ReadOnlySpan<byte> expected = masked
            ? _template.AsSpan(_payloadStart + (int)offset + i, chunk.Length - i)
            : _expected.AsSpan((int)offset + i, chunk.Length - i);
        if (!chunk[i..].SequenceEqual(expected))
        {
            throw new InvalidOperationException($"Echo differs from message {_received} near byte {offset + i}.");
        }
    }

    private void OnMessage(long length)
    {
        if (length != _size)
        {
            throw new InvalidOperationException($"Echo of {length} bytes for a message of {_size}.");
        }

        long now = Stopwatch.GetTimestamp();
        if (Measuring)
        {
            Latency.Record((long)((now - _sentAt[_received % _window]) * (1e9 / Stopwatch.Frequency)));
        }

        Volatile.Write(ref _received, _received + 1);
        _credits.Release();
    }
}
