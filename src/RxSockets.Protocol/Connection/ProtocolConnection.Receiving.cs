using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>The receiving half: parse frames, reassemble messages, validate, and react to control frames.</summary>
public sealed partial class ProtocolConnection
{
    /// <summary>
    /// Reassembly buffers up to this size stay with the engine for the next message; larger ones go
    /// back to the pool once their message was delivered, so idle connections stay small. Payloads
    /// above it can be taken instead of copied (<see cref="TryTakeMessageBuffer"/>).
    /// </summary>
    public const int RetainedBufferSize = 16 * 1024;

    /// <summary>Where the frame parser is (STYLE S3); <see cref="ParseState.Discard"/> after a close or a failure.</summary>
    private ParseState _parseState;

    /// <summary>The header of the frame whose payload is being read.</summary>
    private FrameHeader _frame;

    /// <summary>Payload bytes of <see cref="_frame"/> not read yet.</summary>
    private long _frameRemaining;

    /// <summary>Mask key offset (0–3) for the next payload byte of <see cref="_frame"/>.</summary>
    private int _frameMaskOffset;

    /// <summary><see cref="Opcode.Text"/> or <see cref="Opcode.Binary"/> while a data message is being reassembled; otherwise <see cref="Opcode.Continuation"/>.</summary>
    private Opcode _messageOpcode;

    /// <summary>Frames received so far for the message being reassembled (empty ones count).</summary>
    private int _messageFrames;

    /// <summary>Pooled reassembly buffer; bytes [0, <see cref="_messageLength"/>) hold the unmasked message so far.</summary>
    private byte[]? _messageBuffer;

    /// <summary>Bytes of the message reassembled so far; never above <see cref="ProtocolLimits.MaxMessageSize"/>.</summary>
    private int _messageLength;

    /// <summary>Whether the last message was handed out in an event and must be cleared before parsing goes on.</summary>
    private bool _messageDelivered;

    /// <summary>Payload of the control frame being read (at most 125 bytes); allocated with the first control frame, so an idle connection holds none.</summary>
    private byte[]? _controlBuffer;

    /// <summary>Bytes of <see cref="_controlBuffer"/> filled.</summary>
    private int _controlLength;

    /// <summary>Incremental UTF-8 state of the text message being reassembled.</summary>
    private Utf8Validator _utf8;

    private enum ParseState
    {
        ReadHeader,
        ReadPayload,
        Discard,
    }

    /// <summary>
    /// Feeds received bytes to the engine. Parsing stops after each event so that the event's
    /// borrowed payload stays valid: drain events with <see cref="TryReadEvent(out ProtocolEvent)"/>,
    /// then call again with the bytes after <paramref name="consumed"/>, until no event appears.
    /// </summary>
    /// <param name="data">The bytes received and not consumed yet.</param>
    /// <param name="consumed">How far the bytes were used; the caller must pass the rest again later.</param>
    /// <param name="examined">How far the bytes were looked at; equal to the end when more data is needed.</param>
    /// <remarks>
    /// Frames may be split at any byte. A partial header is left unconsumed; partial payloads are
    /// consumed into the engine's buffers. Unread events from the previous call make this call
    /// return at once without consuming anything.
    /// </remarks>
    public void ReceiveData(ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined)
    {
        if (_eventCount > 0)
        {
            consumed = examined = data.Start;
            return;
        }

        ReleaseDeliveredMessage();
        ReadOnlySequence<byte> rest = data;
        while (_eventCount == 0)
        {
            switch (_parseState)
            {
                case ParseState.ReadHeader:
                    FrameReadResult result = FrameReader.TryReadHeader(rest, out FrameHeader header, out int headerSize);
                    if (result == FrameReadResult.NeedMoreData)
                    {
                        consumed = rest.Start;
                        examined = data.End;
                        return;
                    }

                    if (result == FrameReadResult.InvalidPayloadLength)
                    {
                        Fail(ProtocolError.InvalidPayloadLength);
                        break;
                    }

                    rest = rest.Slice(headerSize);
                    if (AcceptHeader(header) && _frameRemaining == 0)
                    {
                        CompleteFrame();
                    }

                    break;

                case ParseState.ReadPayload:
                    if (rest.IsEmpty)
                    {
                        consumed = examined = rest.End;
                        return;
                    }

                    long take = Math.Min(rest.Length, _frameRemaining);
                    foreach (ReadOnlyMemory<byte> segment in rest.Slice(0, take))
                    {
                        if (!AppendPayload(segment.Span))
                        {
                            break; // failed: the parser is now discarding
                        }
                    }

                    rest = rest.Slice(take);
                    if (_parseState == ParseState.ReadPayload && _frameRemaining == 0)
                    {
                        CompleteFrame();
                    }

                    break;

                default:
                    // RFC 6455 §5.5.1: after a close frame (or a failure) data is ignored.
                    consumed = examined = data.End;
                    return;
            }
        }

        consumed = examined = rest.Start;
    }

    /// <summary>
    /// Tells the engine the transport's read side ended. Without a closing handshake (or in the
    /// middle of a frame) this is an abnormal closure: a <see cref="ProtocolEventType.Failed"/>
    /// event with <see cref="ProtocolError.UnexpectedEndOfStream"/> (1006). The state becomes
    /// <see cref="ConnectionState.Closed"/> and <see cref="ShouldCloseTransport"/> true.
    /// </summary>
    public void ReceiveEof()
    {
        if (State == ConnectionState.Closed)
        {
            return;
        }

        if (!CloseReceived.HasValue && Error == ProtocolError.None)
        {
            FailCore(ProtocolError.UnexpectedEndOfStream, new CloseStatus(CloseCode.AbnormalClosure));
        }

        _parseState = ParseState.Discard;
        State = ConnectionState.Closed;
        ShouldCloseTransport = true;
    }

    /// <summary>Validates a frame header (RFC 6455 §5.2–§5.5) and prepares to read its payload.</summary>
    /// <returns><see langword="false"/> when the frame failed the connection.</returns>
    private bool AcceptHeader(in FrameHeader header)
    {
        // §5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values".
        // RFC 7692 §6: permessage-deflate gives RSV1 a meaning on the first frame of a data message
        // only; on a control frame or a continuation frame it stays an error (§6.1).
        if (header.Rsv != 0 && !(header.Rsv == 4 && _deflate is not null && header.Opcode is Opcode.Text or Opcode.Binary))
        {
            return Reject(ProtocolError.ReservedBitsSet);
        }

        // §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
        if (header.Opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
        {
            return Reject(ProtocolError.ReservedOpcode);
        }

        // §5.1: a server MUST close on an unmasked frame; a client MUST close on a masked frame.
        if (header.IsMasked != (Side == ConnectionSide.Server))
        {
            return Reject(Side == ConnectionSide.Server ? ProtocolError.UnmaskedFrame : ProtocolError.MaskedFrame);
        }

        if (header.IsControl)
        {
            // §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
            if (!header.Fin)
            {
                return Reject(ProtocolError.FragmentedControlFrame);
            }

            if (header.PayloadLength > FrameHeader.MaxControlPayload)
            {
                return Reject(ProtocolError.ControlFrameTooLong);
            }

            _controlLength = 0;
        }
        else
        {
            if (!AcceptDataHeader(header))
            {
                return false;
            }
        }

        _frame = header;
        _frameRemaining = header.PayloadLength;
        _frameMaskOffset = 0;
        _parseState = ParseState.ReadPayload;
        return true;
    }

    /// <summary>Checks fragmentation order (§5.4) and the limits for a data frame, and starts a message if it is the first frame.</summary>
    private bool AcceptDataHeader(in FrameHeader header)
    {
        bool inMessage = _messageOpcode != Opcode.Continuation;
        if (header.Opcode == Opcode.Continuation && !inMessage)
        {
            return Reject(ProtocolError.UnexpectedContinuation);
        }

        if (header.Opcode != Opcode.Continuation && inMessage)
        {
            return Reject(ProtocolError.ExpectedContinuation);
        }

        // A compressed frame may be larger than the message it carries (deflate cannot shrink
        // random bytes and adds block headers): it gets deflate's worst-case growth on top of the
        // limit, so a message within MaxMessageSize is never refused because the peer compressed
        // it. Compressed payloads are inflated as they arrive, never buffered whole, and the
        // inflated size stays limited by MaxMessageSize.
        bool compressed = inMessage ? _messageCompressed : header.Rsv1;
        if (_limits.MaxFrameSize > 0 && header.PayloadLength > (compressed ? CompressedFrameLimit(_limits.MaxFrameSize) : _limits.MaxFrameSize))
        {
            return Reject(ProtocolError.FrameTooBig);
        }

        int frames = inMessage ? _messageFrames + 1 : 1;
        if (_limits.MaxFragments > 0 && frames > _limits.MaxFragments)
        {
            return Reject(ProtocolError.TooManyFragments);
        }

        // Checked from the header, before any payload is buffered. Without a configured limit the
        // reassembly buffer still cannot exceed what an array can hold. A compressed message is
        // limited by its inflated size instead, checked while inflating (InflatePayload).
        long total = (inMessage ? _messageLength : 0) + header.PayloadLength;
        if (!compressed && total > MaxMessageLength)
        {
            return Reject(ProtocolError.MessageTooBig);
        }

        if (!inMessage)
        {
            _messageOpcode = header.Opcode;
            _messageCompressed = compressed;
            _messageHasCompressedBytes = false;
            _messageLength = 0;
            _utf8.Reset();
        }

        _messageFrames = frames;
        return true;
    }

    /// <summary>The largest message, in (inflated) bytes: the limit, or what an array can hold without one.</summary>
    private long MaxMessageLength => _limits.MaxMessageSize > 0 ? Math.Min(_limits.MaxMessageSize, Array.MaxLength) : Array.MaxLength;

    private bool Reject(ProtocolError error)
    {
        Fail(error);
        return false;
    }

    /// <summary>Copies payload bytes into the message or control buffer, unmasks them there, and validates text.</summary>
    /// <returns><see langword="false"/> when the bytes failed the connection.</returns>
    private bool AppendPayload(ReadOnlySpan<byte> source)
    {
        if (_messageCompressed && !_frame.IsControl)
        {
            _frameRemaining -= source.Length;
            _messageHasCompressedBytes |= !source.IsEmpty;
            return InflatePayload(source);
        }

        Span<byte> target;
        if (_frame.IsControl)
        {
            _controlBuffer ??= new byte[FrameHeader.MaxControlPayload];
            target = _controlBuffer.AsSpan(_controlLength, source.Length);
            _controlLength += source.Length;
        }
        else
        {
            EnsureMessageCapacity(_messageLength + source.Length);
            target = _messageBuffer.AsSpan(_messageLength, source.Length);
            _messageLength += source.Length;
        }

        source.CopyTo(target);
        if (_frame.IsMasked)
        {
            _frameMaskOffset = Masking.Apply(target, _frame.MaskKey, _frameMaskOffset);
        }

        _frameRemaining -= source.Length;

        // §8.1: fail as soon as the text can no longer be valid UTF-8, not only at the end.
        if (_messageOpcode == Opcode.Text && !_frame.IsControl && !_utf8.TryAppend(target))
        {
            return Reject(ProtocolError.InvalidUtf8);
        }

        return true;
    }

    /// <summary>Grows the pooled reassembly buffer to hold at least <paramref name="needed"/> bytes.</summary>
    private void EnsureMessageCapacity(int needed)
    {
        byte[]? current = _messageBuffer;
        if (current is not null && current.Length >= needed)
        {
            return;
        }

        // Size for the whole frame when it is known and allowed (one rent per frame), else double.
        long frameEnd = _messageLength + _frameRemaining;
        long wanted = Math.Max(needed, Math.Min(frameEnd, Math.Max((long)(current?.Length ?? 0) * 2, 4096)));
        byte[] next = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, Array.MaxLength));
        if (current is not null)
        {
            current.AsSpan(0, _messageLength).CopyTo(next);
            ArrayPool<byte>.Shared.Return(current);
        }

        _messageBuffer = next;
    }

    /// <summary>Acts on a frame whose payload has been read completely.</summary>
    private void CompleteFrame()
    {
        _parseState = ParseState.ReadHeader;
        switch (_frame.Opcode)
        {
            case Opcode.Ping:
                ReadOnlyMemory<byte> ping = _controlBuffer.AsMemory(0, _controlLength);
                // §5.5.2: answer with a pong carrying the same payload, unless a close was already sent.
                if (State == ConnectionState.Open)
                {
                    QueuePong(ping.Span);
                }

                AddEvent(new ProtocolEvent(ProtocolEventType.Ping, ping));
                break;

            case Opcode.Pong:
                // §5.5.3: unsolicited pongs are allowed; no response is expected.
                AddEvent(new ProtocolEvent(ProtocolEventType.Pong, _controlBuffer.AsMemory(0, _controlLength)));
                break;

            case Opcode.Close:
                ReceiveClose(_controlBuffer.AsSpan(0, _controlLength));
                break;

            default:
                if (_frame.Fin)
                {
                    // RFC 7692 §7.2.2: append 00 00 ff ff to the payload of a compressed message and inflate it.
                    // A compressed message with no payload at all (some zlib-based senders produce it for
                    // an empty message) is empty: inflating the trailer alone would open a stored block
                    // that swallows the next message, so it is skipped.
                    if (_messageCompressed && _messageHasCompressedBytes && !Inflate(DeflateCodec.Trailer))
                    {
                        return;
                    }

                    _deflate?.EndInflatedMessage();
                    CompleteMessage();
                }

                break;
        }
    }

    /// <summary>Hands a reassembled message out as an event.</summary>
    private void CompleteMessage()
    {
        if (_messageOpcode == Opcode.Text && !_utf8.IsComplete)
        {
            Fail(ProtocolError.InvalidUtf8); // the message ends inside a multi-byte sequence
            return;
        }

        ProtocolEventType type = _messageOpcode == Opcode.Text ? ProtocolEventType.TextMessage : ProtocolEventType.BinaryMessage;
        ReadOnlyMemory<byte> payload = _messageBuffer is null ? ReadOnlyMemory<byte>.Empty : _messageBuffer.AsMemory(0, _messageLength);
        _messageOpcode = Opcode.Continuation;
        _messageFrames = 0;
        _messageDelivered = true;
        AddEvent(new ProtocolEvent(type, payload));
    }

    /// <summary>
    /// Takes ownership of the pooled array that holds the payload of the message event just read,
    /// so the caller can keep the payload without copying it (a received 1 MiB message
    /// then costs one copy instead of two, and no fresh memory). The engine rents a new array for
    /// the next message. Only payloads above the size the engine keeps for reuse are handed out,
    /// so taking one never makes small messages rent.
    /// </summary>
    /// <param name="buffer">
    /// The array, rented from <see cref="ArrayPool{T}.Shared"/>: the payload is its first
    /// <c>Payload.Length</c> bytes; the rest is unspecified. The caller returns it to the pool when done.
    /// </param>
    /// <returns>
    /// <see langword="false"/> when there is nothing to take: the last event read was not a data
    /// message, its payload is small (copy it), it was taken already, or parsing has moved on.
    /// </returns>
    /// <remarks>Call it after <see cref="TryReadEvent(out ProtocolEvent)"/> returned the message and before the next <see cref="ReceiveData"/>.</remarks>
    public bool TryTakeMessageBuffer([NotNullWhen(true)] out byte[]? buffer)
    {
        buffer = null;
        if (!_messageDelivered || _messageBuffer is null || _messageLength <= RetainedBufferSize)
        {
            return false;
        }

        buffer = _messageBuffer;
        _messageBuffer = null;
        return true;
    }

    /// <summary>Forgets the last delivered message; large buffers return to the pool.</summary>
    private void ReleaseDeliveredMessage()
    {
        if (!_messageDelivered)
        {
            return;
        }

        _messageDelivered = false;
        _messageLength = 0;
        if (_messageBuffer is { Length: > RetainedBufferSize })
        {
            ReturnMessageBuffer();
        }
    }

    private void ReturnMessageBuffer()
    {
        if (_messageBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_messageBuffer);
            _messageBuffer = null;
        }
    }
}
