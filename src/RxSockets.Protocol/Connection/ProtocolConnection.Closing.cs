using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace RxSockets.Protocol;

/// <summary>The closing handshake as the receiving half sees it: a close frame parsed, validated and answered.</summary>
public sealed partial class ProtocolConnection
{
    /// <summary>Parses a close frame (§5.5.1, §7.4) and runs the closing handshake.</summary>
    private void ReceiveClose(ReadOnlySpan<byte> payload)
    {
        CloseStatus status;
        if (payload.Length == 0)
        {
            status = new CloseStatus(CloseCode.NoStatusReceived);
        }
        else if (payload.Length == 1)
        {
            Fail(ProtocolError.InvalidClosePayload);
            return;
        }
        else
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!CloseStatus.IsValidOnWire(code))
            {
                Fail(ProtocolError.InvalidCloseCode);
                return;
            }

            ReadOnlySpan<byte> reason = payload[2..];
            if (!Utf8Validator.IsValid(reason))
            {
                Fail(ProtocolError.InvalidUtf8);
                return;
            }

            status = new CloseStatus((CloseCode)code, reason.IsEmpty ? string.Empty : Encoding.UTF8.GetString(reason));
        }

        CloseReceived = status;
        if (State == ConnectionState.Open)
        {
            // §5.5.1: the peer closed first; echo its close frame. Echo the original bytes rather
            // than re-serializing, so a close without a code is answered without a code.
            CloseReceivedThenSent = true;
            QueueClose(status, payload, echo: true);
        }

        State = ConnectionState.Closing;
        _parseState = ParseState.Discard;

        // §7.1.1: the server closes the TCP connection first, once the handshake is complete.
        if (Side == ConnectionSide.Server && IsCloseHandshakeComplete)
        {
            ShouldCloseTransport = true;
        }

        AddEvent(new ProtocolEvent(ProtocolEventType.Close, default, status));
        Debug.Assert(IsCloseHandshakeComplete, $"{nameof(CloseSent)} must be set once a close was received");
    }
}
