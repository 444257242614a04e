using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace RxSockets.Protocol;

/// <summary>The sending half: commands that write frames into the caller's buffer writer.</summary>
public sealed partial class ProtocolConnection
{
    /// <summary>Strict UTF-8 for compressed text: a lone surrogate throws instead of becoming U+FFFD.</summary>
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether a fragmented outgoing message is in progress (only continuations may follow).</summary>
    private bool _sendingFragmented;

    /// <summary>Whether the outgoing message in progress is compressed (decided on its first frame, RFC 7692 §6.1).</summary>
    private bool _sendingCompressed;

    /// <summary>Pongs owed to the peer, one per ping, written before anything else this side sends.</summary>
    private OwedPongs _owedPongs;

    /// <summary>Payload of the close frame queued by the engine (an echo or a failure), written after the pong.</summary>
    private byte[]? _pendingClose;

    /// <summary>Length of <see cref="_pendingClose"/>, or -1 when no close frame is queued.</summary>
    private int _pendingCloseLength = -1;

    /// <summary>
    /// Whether the engine has frames of its own to send (a pong answering a ping, a close echo or
    /// the close frame of a failure). Write them with <see cref="WritePendingOutput"/>; every
    /// <c>Send…</c> command also writes them first, so order is kept.
    /// </summary>
    public bool HasPendingOutput => _owedPongs.Count > 0 || _pendingCloseLength >= 0;

    /// <summary>
    /// The number of pongs owed to the peer and not written yet: one per ping received, up to
    /// <see cref="MaxOwedPongs"/>. A runtime that finds it at the maximum should stop reading until
    /// they are written (a peer that pings without reading then meets TCP backpressure); pings that
    /// arrive meanwhile replace the newest owed pong, so memory stays bounded either way.
    /// </summary>
    public int OwedPongs => _owedPongs.Count;

    /// <summary>The most pongs owed at once (see <see cref="OwedPongs"/>).</summary>
    public const int MaxOwedPongs = RxSockets.Protocol.OwedPongs.Capacity;

    /// <summary>Writes the frames the engine queued by itself (see <see cref="HasPendingOutput"/>): owed pongs, oldest first, then a close frame.</summary>
    /// <param name="output">Where the frames go.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public long WritePendingOutput(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        long written = 0;
        while (_owedPongs.Count > 0)
        {
            written += FrameWriter.WriteFrame(output, Opcode.Pong, true, _owedPongs.Oldest, NextMaskKey());
            _owedPongs.RemoveOldest();
        }

        if (_pendingCloseLength >= 0)
        {
            written += FrameWriter.WriteFrame(output, Opcode.Close, true, _pendingClose.AsSpan(0, _pendingCloseLength), NextMaskKey());
            _pendingCloseLength = -1;
        }

        return written;
    }

    /// <summary>Sends a text message, or its first fragment, from UTF-8 bytes.</summary>
    /// <param name="utf8">The text as UTF-8. A complete message (<paramref name="fin"/> true) is validated.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="fin"><see langword="false"/> to start a fragmented message continued by <see cref="SendContinuation"/>.</param>
    /// <param name="compress">
    /// <see langword="false"/> to send this message uncompressed even when permessage-deflate was
    /// negotiated (for example secrets next to attacker-controlled data, CRIME/BREACH). A message
    /// below <see cref="PerMessageDeflateOptions.Threshold"/> is never compressed.
    /// </param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException">A complete message is not valid UTF-8.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open, or a fragmented message is in progress.</exception>
    public long SendText(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output, bool fin = true, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (fin && !Utf8.IsValid(utf8))
        {
            throw new ArgumentException("The text message is not valid UTF-8.", nameof(utf8));
        }

        return SendData(Opcode.Text, utf8, output, fin, compress);
    }

    /// <summary>Sends a complete text message, encoding it as UTF-8 straight into <paramref name="output"/>.</summary>
    /// <param name="text">The text; must be well-formed UTF-16.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="compress"><see langword="false"/> to send this message uncompressed even when permessage-deflate was negotiated.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> contains a lone surrogate.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open, or a fragmented message is in progress.</exception>
    public long SendText(ReadOnlySpan<char> text, IBufferWriter<byte> output, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        EnsureCanSendData(Opcode.Text);
        long written = WritePendingOutput(output);

        // A text message is compressed from its UTF-8 bytes, encoded into a pooled buffer (text.Length
        // is a lower bound of the byte count, so short text skips even the counting).
        if (_deflate is not null && compress && text.Length * 3L >= _deflate.Threshold)
        {
            int byteCount = s_strictUtf8.GetByteCount(text); // throws on a lone surrogate, before anything is written
            if (byteCount >= _deflate.Threshold)
            {
                byte[] utf8 = ArrayPool<byte>.Shared.Rent(byteCount);
                try
                {
                    int length = s_strictUtf8.GetBytes(text, utf8);
                    _sendingCompressed = true;
                    return written + WriteCompressedFrame(Opcode.Text, utf8.AsSpan(0, length), output, fin: true);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(utf8);
                }
            }
        }

        return written + FrameWriter.WriteTextFrame(output, Opcode.Text, true, text, NextMaskKey());
    }

    /// <summary>Sends a binary message, or its first fragment.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="fin"><see langword="false"/> to start a fragmented message continued by <see cref="SendContinuation"/>.</param>
    /// <param name="compress">
    /// <see langword="false"/> to send this message uncompressed even when permessage-deflate was
    /// negotiated (already compressed data, or secrets next to attacker-controlled data).
    /// </param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open, or a fragmented message is in progress.</exception>
    public long SendBinary(ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool fin = true, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        return SendData(Opcode.Binary, data, output, fin, compress);
    }

    /// <summary>
    /// Starts a complete, uncompressed binary message of <paramref name="payloadLength"/> bytes
    /// whose payload the caller sends itself, unchanged, right after the bytes written here: the
    /// engine writes any pending frames of its own and the frame header only. This is how a server
    /// sends a large payload without copying it into the output (server frames are not masked, so
    /// the payload goes on the wire as it is). Nothing else may be written to the transport between
    /// these bytes and the payload.
    /// </summary>
    /// <param name="payloadLength">The payload's length.</param>
    /// <param name="output">Where the header goes.</param>
    /// <returns>The number of bytes written here, pending engine frames included (the payload not counted).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="payloadLength"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">
    /// This is the client side (a client must mask its payloads), the connection is not open, or a
    /// fragmented message is in progress.
    /// </exception>
    public long SendBinaryHeader(long payloadLength, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        if (Side != ConnectionSide.Server)
        {
            throw new InvalidOperationException("Only a server sends a payload as it is: a client must mask it (use SendBinary).");
        }

        EnsureCanSendData(Opcode.Binary);
        long written = WritePendingOutput(output);
        _sendingCompressed = false;
        _sendingFragmented = false;
        return written + FrameWriter.WriteUnmaskedHeader(output, Opcode.Binary, fin: true, payloadLength);
    }

    /// <summary>
    /// Sends a complete data message framed beforehand (<see cref="PreparedFrame"/>): the same bytes
    /// go to every server connection that sends it, uncompressed, with any frames the engine owes
    /// written first.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> or <paramref name="output"/> is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// This is the client side (a client must mask each frame with a fresh key), the connection is
    /// not open, or a fragmented message is in progress.
    /// </exception>
    public long SendPrepared(PreparedFrame frame, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(output);
        if (Side != ConnectionSide.Server)
        {
            throw new InvalidOperationException("Only a server sends a prepared frame: a client must mask each frame with a fresh key.");
        }

        EnsureCanSendData(frame.Opcode);
        long written = WritePendingOutput(output);
        output.Write(frame.Bytes.Span);
        return written + frame.Bytes.Length;
    }

    /// <summary>Sends the next fragment of a message started with <c>fin: false</c> (compressed if the first fragment was).</summary>
    /// <param name="data">The fragment's payload (may be empty).</param>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="fin"><see langword="true"/> for the last fragment.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open, or no fragmented message is in progress.</exception>
    public long SendContinuation(ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool fin)
    {
        ArgumentNullException.ThrowIfNull(output);
        return SendData(Opcode.Continuation, data, output, fin, compress: true);
    }

    /// <summary>Sends a ping (RFC 6455 §5.5.2).</summary>
    /// <param name="payload">Application data, at most 125 bytes (runtimes put a counter here to match pongs).</param>
    /// <param name="output">Where the frame goes.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is longer than 125 bytes.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public long SendPing(ReadOnlySpan<byte> payload, IBufferWriter<byte> output) => SendControl(Opcode.Ping, payload, output);

    /// <summary>Sends an unsolicited pong (RFC 6455 §5.5.3), for example as a one-way heartbeat.</summary>
    /// <param name="payload">Application data, at most 125 bytes.</param>
    /// <param name="output">Where the frame goes.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is longer than 125 bytes.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public long SendPong(ReadOnlySpan<byte> payload, IBufferWriter<byte> output) => SendControl(Opcode.Pong, payload, output);

    /// <summary>
    /// Starts the closing handshake (RFC 6455 §7.1.2): sends a close frame and moves to
    /// <see cref="ConnectionState.Closing"/>. Data may still arrive until the peer's close frame.
    /// When a violation by the peer waits for <see cref="CommitFailure"/>, its close frame is sent
    /// instead of <paramref name="status"/>.
    /// </summary>
    /// <param name="status">The code and reason, or <see langword="null"/> for a close frame without a code (received as 1005).</param>
    /// <param name="output">Where the frame goes.</param>
    /// <returns>The number of bytes written, pending engine frames included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentException">The code may not be sent on the wire, or the reason is longer than 123 UTF-8 bytes.</exception>
    /// <exception cref="InvalidOperationException">The connection is not open (a close was already sent or received).</exception>
    public long SendClose(CloseStatus? status, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (status is CloseStatus s)
        {
            ValidateOutgoingClose(s);
        }

        if (_deferredFailure.HasValue)
        {
            // A violation by the peer came first: its close frame is the one that goes out.
            CommitFailure();
            return WritePendingOutput(output);
        }

        EnsureOpen();
        Span<byte> payload = stackalloc byte[FrameHeader.MaxControlPayload];
        int length = status is CloseStatus c ? WriteClosePayload(c, payload) : 0;
        long written = WritePendingOutput(output);
        written += FrameWriter.WriteFrame(output, Opcode.Close, true, payload[..length], NextMaskKey());
        CloseSent = status ?? new CloseStatus(CloseCode.NoStatusReceived);
        State = ConnectionState.Closing;
        return written;
    }

    private long SendData(Opcode opcode, ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool fin, bool compress)
    {
        EnsureCanSendData(opcode);
        long written = WritePendingOutput(output);
        if (opcode != Opcode.Continuation)
        {
            // RFC 7692 §6.1: the first frame decides for the whole message. A fragmented message is
            // compressed whatever the size of its first fragment.
            _sendingCompressed = _deflate is not null && compress && (!fin || data.Length >= _deflate.Threshold);
        }

        written += _sendingCompressed
            ? WriteCompressedFrame(opcode, data, output, fin)
            : FrameWriter.WriteFrame(output, opcode, fin, data, NextMaskKey());
        _sendingFragmented = !fin;
        return written;
    }

    /// <summary>
    /// Compresses one frame's payload (pooled buffer) and writes it with RSV1 on the message's first
    /// frame only (RFC 7692 §6.1: never on continuation or control frames).
    /// </summary>
    private long WriteCompressedFrame(Opcode opcode, ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool fin)
    {
        int length = _deflate!.Compress(data, fin, out byte[] compressed);
        try
        {
            byte rsv = opcode == Opcode.Continuation ? (byte)0 : (byte)4;
            return FrameWriter.WriteFrame(output, opcode, fin, compressed.AsSpan(0, length), NextMaskKey(), rsv);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    private long SendControl(Opcode opcode, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (payload.Length > FrameHeader.MaxControlPayload)
        {
            throw new ArgumentException($"A control frame payload is at most {FrameHeader.MaxControlPayload} bytes.", nameof(payload));
        }

        EnsureOpen();
        long written = WritePendingOutput(output);
        return written + FrameWriter.WriteFrame(output, opcode, true, payload, NextMaskKey());
    }

    private void EnsureCanSendData(Opcode opcode)
    {
        EnsureOpen();
        if (opcode == Opcode.Continuation && !_sendingFragmented)
        {
            throw new InvalidOperationException("No fragmented message is in progress: start one with fin: false first.");
        }

        if (opcode != Opcode.Continuation && _sendingFragmented)
        {
            throw new InvalidOperationException("A fragmented message is in progress: finish it with SendContinuation(fin: true) first.");
        }
    }

    private void EnsureOpen()
    {
        // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
        if (State != ConnectionState.Open)
        {
            throw new InvalidOperationException($"Cannot send: the connection is {State.ToString().ToUpperInvariant()}.");
        }
    }

    private int? NextMaskKey() => Side == ConnectionSide.Client ? _maskKeys.NextMaskKey() : null;

    private void QueuePong(ReadOnlySpan<byte> payload) => _owedPongs.Add(payload);

    /// <summary>
    /// Queues a close frame the engine sends by itself: an echo of the peer's bytes, or a failure's
    /// status. Pongs owed for pings received before it are still written, before the close frame.
    /// </summary>
    private void QueueClose(CloseStatus status, ReadOnlySpan<byte> payload, bool echo)
    {
        if (echo)
        {
            payload.CopyTo(_pendingClose ??= new byte[FrameHeader.MaxControlPayload]);
            _pendingCloseLength = payload.Length;
        }
        else
        {
            _pendingCloseLength = WriteClosePayload(status, _pendingClose ??= new byte[FrameHeader.MaxControlPayload]);
        }

        CloseSent = status;
    }

    private static int WriteClosePayload(CloseStatus status, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)status.Code);
        return 2 + Encoding.UTF8.GetBytes(status.Reason, destination[2..]);
    }

    private static void ValidateOutgoingClose(CloseStatus status)
    {
        if (!CloseStatus.IsValidOnWire((int)status.Code))
        {
            throw new ArgumentException($"Close code {(int)status.Code} may not be sent on the wire (RFC 6455 §7.4).", nameof(status));
        }

        if (Encoding.UTF8.GetByteCount(status.Reason) > CloseStatus.MaxReasonBytes)
        {
            throw new ArgumentException($"A close reason is at most {CloseStatus.MaxReasonBytes} UTF-8 bytes.", nameof(status));
        }
    }
}
