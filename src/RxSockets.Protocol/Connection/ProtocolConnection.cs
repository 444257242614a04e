using System;
using System.Buffers;
using System.Diagnostics;

namespace RxSockets.Protocol;

/// <summary>
/// The sans-I/O WebSocket state machine (RFC 6455 §5–§7), shared by client and server: bytes in,
/// events out (<see cref="ReceiveData"/>, <see cref="TryReadEvent(out ProtocolEvent)"/>); commands in,
/// bytes out (<c>Send…</c> methods writing into a caller's <see cref="IBufferWriter{T}"/>).
/// </summary>
/// <remarks>
/// <para>
/// It performs no I/O and knows no clock: the caller reads the transport, feeds the bytes, drains
/// events, writes what the engine produced and decides about time (keepalive, close timeout). The
/// opening handshake is handled before this object is created (see <c>ServerHandshake</c> and
/// <c>ClientHandshake</c>); it starts in <see cref="ConnectionState.Open"/>.
/// </para>
/// <para>
/// Every protocol decision lives here: which frames are acceptable, when to answer a ping, what to
/// echo on close, when to fail and with which code (<see cref="CloseCodeFor(ProtocolError)"/>), and
/// when the transport should be closed (<see cref="ShouldCloseTransport"/>).
/// </para>
/// <para>
/// Thread safety: not thread-safe. A runtime that reads and writes from different threads must
/// serialize calls (one lock around each call is enough; calls never block).
/// </para>
/// </remarks>
public sealed partial class ProtocolConnection : IDisposable
{
    /// <summary>Room for events between two <see cref="ReceiveData"/> calls.</summary>
    private const int EventCapacity = 4;

    /// <summary>The limits enforced on incoming data.</summary>
    private readonly ProtocolLimits _limits;

    /// <summary>Source of mask keys; used only on the client side.</summary>
    private readonly IMaskKeyProvider _maskKeys;

    /// <summary>At most a handful of events between two <see cref="ReceiveData"/> calls (a message, a close, a failure); allocated with the first event, so an idle connection holds none.</summary>
    private ProtocolEvent[]? _events;

    /// <summary>The permessage-deflate codec when <see cref="Compression"/> was negotiated; its zlib streams are created on first use.</summary>
    private readonly DeflateCodec? _deflate;

    /// <summary>Index of the next event to read in <see cref="_events"/>.</summary>
    private int _eventHead;

    /// <summary>Number of unread events in <see cref="_events"/>.</summary>
    private int _eventCount;

    /// <summary>Creates an engine for an open connection.</summary>
    /// <param name="side">Whether this endpoint is the client (masks) or the server.</param>
    /// <param name="limits">Limits on incoming data; <see langword="null"/> for <see cref="ProtocolLimits.Default"/>.</param>
    /// <param name="maskKeys">Mask key source for the client side; <see langword="null"/> for <see cref="RandomMaskKeyProvider.Shared"/>.</param>
    /// <param name="compression">
    /// permessage-deflate as negotiated in the opening handshake, or <see langword="null"/> when it
    /// was not (RSV1 then stays a protocol error, RFC 6455 §5.2).
    /// </param>
    public ProtocolConnection(ConnectionSide side, ProtocolLimits? limits = null, IMaskKeyProvider? maskKeys = null, PerMessageDeflate? compression = null)
    {
        Side = side;
        _limits = limits ?? ProtocolLimits.Default;
        _maskKeys = maskKeys ?? RandomMaskKeyProvider.Shared;
        Compression = compression;
        _deflate = compression is null ? null : new DeflateCodec(compression, side);
        State = ConnectionState.Open;
    }

    /// <summary>The negotiated permessage-deflate, or <see langword="null"/> when messages are never compressed.</summary>
    public PerMessageDeflate? Compression { get; }

    /// <summary>Whether this engine is the client or the server.</summary>
    public ConnectionSide Side { get; }

    /// <summary>The connection state (RFC 6455 §4–§7).</summary>
    public ConnectionState State { get; private set; }

    /// <summary>The close frame received from the peer, if any (1005 when it carried no code).</summary>
    public CloseStatus? CloseReceived { get; private set; }

    /// <summary>The close frame sent to the peer, if any.</summary>
    public CloseStatus? CloseSent { get; private set; }

    /// <summary>
    /// <see langword="true"/> when the peer closed first and this endpoint echoed;
    /// <see langword="false"/> when this endpoint closed first or no close was exchanged.
    /// </summary>
    public bool CloseReceivedThenSent { get; private set; }

    /// <summary>Why the engine failed the connection, or <see cref="ProtocolError.None"/>.</summary>
    public ProtocolError Error { get; private set; }

    /// <summary>
    /// Whether a violation by the peer waits for <see cref="CommitFailure"/> before its close frame
    /// is queued. Off by default: the engine queues the close frame as soon as it finds the
    /// violation. A runtime turns it on to let its application first act on everything that arrived
    /// before the violation (RFC 6455 processes frames in order: a message before a bad frame is
    /// still echoed, a ping before it still answered). Meanwhile the engine ignores further input
    /// and <see cref="FailurePending"/> is true; sending stays possible. Set it before the first
    /// <see cref="ReceiveData"/>.
    /// </summary>
    public bool DeferFailure { get; set; }

    /// <summary>
    /// Whether a violation by the peer was reported (a <see cref="ProtocolEventType.Failed"/> event)
    /// and its close frame waits for <see cref="CommitFailure"/> (see <see cref="DeferFailure"/>).
    /// </summary>
    public bool FailurePending => _deferredFailure.HasValue;

    /// <summary>The close status of a failure that waits for <see cref="CommitFailure"/>.</summary>
    private CloseStatus? _deferredFailure;

    /// <summary>
    /// Whether the caller should expect the transport to close soon and so start its close timeout:
    /// true once the closing handshake has started (python websockets' <c>close_expected()</c>).
    /// </summary>
    public bool CloseExpected => State == ConnectionState.Closing;

    /// <summary>
    /// Whether the caller should now close (half-close) the transport. RFC 6455 §7.1.1: the server
    /// closes the TCP connection first, once the closing handshake is done or after failing; the
    /// client closes it after the server did (after <see cref="ReceiveEof"/>), or after its close
    /// timeout.
    /// </summary>
    public bool ShouldCloseTransport { get; private set; }

    /// <summary>Whether both close frames have been exchanged.</summary>
    public bool IsCloseHandshakeComplete => CloseSent.HasValue && CloseReceived.HasValue;

    /// <summary>Reads the next event produced by <see cref="ReceiveData"/> or <see cref="ReceiveEof"/>.</summary>
    /// <param name="protocolEvent">The event; its payload is borrowed (see <see cref="ProtocolEvent"/>).</param>
    /// <returns><see langword="true"/> when an event was read.</returns>
    public bool TryReadEvent(out ProtocolEvent protocolEvent)
    {
        if (_eventCount == 0)
        {
            protocolEvent = default;
            return false;
        }

        Debug.Assert(_events is not null, "an event was added");
        protocolEvent = _events[_eventHead];
        _events[_eventHead] = default;
        _eventHead = (_eventHead + 1) % _events.Length;
        _eventCount--;
        return true;
    }

    /// <summary>
    /// Fails the connection from the caller's side (for example on a keepalive timeout or an
    /// internal error): queues a close frame with <paramref name="status"/> if none was sent yet,
    /// ignores all further input, and asks a server to close the transport.
    /// </summary>
    /// <param name="status">The close status to send.</param>
    /// <exception cref="ArgumentException">The code may not be sent on the wire, or the reason is longer than 123 UTF-8 bytes.</exception>
    public void Fail(CloseStatus status)
    {
        ValidateOutgoingClose(status);
        FailCore(ProtocolError.None, status);
    }

    /// <summary>
    /// Queues the close frame of a failure that <see cref="DeferFailure"/> held back, and moves to
    /// <see cref="ConnectionState.Closing"/>; does nothing when no failure is pending. A close the
    /// caller starts meanwhile (<see cref="SendClose"/>, <see cref="Fail(CloseStatus)"/>) commits
    /// the failure instead: the peer learns why the connection failed.
    /// </summary>
    public void CommitFailure()
    {
        if (_deferredFailure is not CloseStatus status)
        {
            return;
        }

        _deferredFailure = null;
        if (State == ConnectionState.Open)
        {
            QueueClose(status, payload: default, echo: false);
            State = ConnectionState.Closing;
            if (Side == ConnectionSide.Server)
            {
                ShouldCloseTransport = true;
            }
        }
    }

    /// <summary>The close code sent when the engine fails a connection for <paramref name="error"/>.</summary>
    /// <param name="error">The failure.</param>
    /// <returns>The close code; <see cref="CloseCode.AbnormalClosure"/> when no close frame is sent.</returns>
    public static CloseCode CloseCodeFor(ProtocolError error) => error switch
    {
        ProtocolError.InvalidUtf8 or ProtocolError.InvalidCompressedData => CloseCode.InvalidPayloadData,
        ProtocolError.MessageTooBig or ProtocolError.FrameTooBig or ProtocolError.TooManyFragments => CloseCode.MessageTooBig,
        ProtocolError.UnexpectedEndOfStream => CloseCode.AbnormalClosure,
        ProtocolError.InternalError or ProtocolError.None => CloseCode.InternalError,
        _ => CloseCode.ProtocolError,
    };

    /// <summary>
    /// The reason sent in the close frame for <paramref name="error"/>: short, fixed, and free of
    /// internal details (an internal error sends no reason at all, as python websockets does).
    /// </summary>
    /// <param name="error">The failure.</param>
    /// <returns>The reason text.</returns>
    public static string ReasonFor(ProtocolError error) => error switch
    {
        ProtocolError.ReservedOpcode => "reserved opcode",
        ProtocolError.ReservedBitsSet => "reserved bits must be 0",
        ProtocolError.UnmaskedFrame => "incorrect masking",
        ProtocolError.MaskedFrame => "incorrect masking",
        ProtocolError.InvalidPayloadLength => "invalid payload length",
        ProtocolError.ControlFrameTooLong => "control frame too long",
        ProtocolError.FragmentedControlFrame => "fragmented control frame",
        ProtocolError.UnexpectedContinuation => "unexpected continuation frame",
        ProtocolError.ExpectedContinuation => "expected a continuation frame",
        ProtocolError.InvalidClosePayload => "invalid close frame payload",
        ProtocolError.InvalidCloseCode => "invalid close code",
        ProtocolError.InvalidUtf8 => "invalid UTF-8",
        ProtocolError.MessageTooBig => "message too big",
        ProtocolError.FrameTooBig => "frame too big",
        ProtocolError.TooManyFragments => "too many fragments",
        ProtocolError.InvalidCompressedData => "invalid compressed data",
        _ => string.Empty,
    };

    /// <summary>Returns pooled buffers. The engine must not be used afterwards.</summary>
    public void Dispose()
    {
        ReturnMessageBuffer();
        ReturnInflateInput();
        _deflate?.Dispose();
        _parseState = ParseState.Discard;
        State = ConnectionState.Closed;
    }

    /// <summary>The single place where a failure becomes a close frame, a state change and an event.</summary>
    private void FailCore(ProtocolError error, CloseStatus status)
    {
        if (State == ConnectionState.Closed || Error != ProtocolError.None)
        {
            CommitFailure(); // already failed or finished: the first failure wins
            return;
        }

        Error = error;
        _parseState = ParseState.Discard;
        if (error == ProtocolError.UnexpectedEndOfStream)
        {
            State = ConnectionState.Closed;
            ShouldCloseTransport = true;
        }
        else if (DeferFailure && error != ProtocolError.None && State == ConnectionState.Open)
        {
            _deferredFailure = status; // queued by CommitFailure, once the caller acted on the events before this one
        }
        else
        {
            if (State == ConnectionState.Open)
            {
                QueueClose(status, payload: default, echo: false);
            }

            State = ConnectionState.Closing;
            if (Side == ConnectionSide.Server)
            {
                ShouldCloseTransport = true;
            }
        }

        if (error != ProtocolError.None)
        {
            AddEvent(new ProtocolEvent(ProtocolEventType.Failed, default, status, error));
        }
    }

    /// <summary>Fails the connection because the peer violated the protocol or a limit.</summary>
    private void Fail(ProtocolError error)
    {
        Debug.Assert(error != ProtocolError.None, $"{nameof(error)} must say why");
        FailCore(error, new CloseStatus(CloseCodeFor(error), ReasonFor(error)));
    }

    private void AddEvent(in ProtocolEvent protocolEvent)
    {
        _events ??= new ProtocolEvent[EventCapacity];
        Debug.Assert(_eventCount < _events.Length, $"{nameof(_eventCount)} overflow: ReceiveData stops after each event");
        _events[(_eventHead + _eventCount) % _events.Length] = protocolEvent;
        _eventCount++;
    }
}
