using System;
using System.Collections.Generic;

using RxSockets.Protocol;

namespace RxSockets.Testing;

/// <summary>
/// Watches the bytes one direction of a virtual link delivers and notes when ping frames arrive,
/// which the connection API does not surface (the engine answers them). Skips the HTTP head of the
/// opening handshake first (the request or the response), then decodes frame headers and skips
/// payloads, across any chunking; it stops watching after a response that is not a 101 or a header
/// it cannot decode.
/// </summary>
/// <remarks>Not thread-safe: fed by its link on the test's thread.</remarks>
internal sealed class FrameTap
{
    private static readonly byte[] s_headEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_switching = "HTTP/1.1 101"u8.ToArray();

    private readonly byte[] _header = new byte[FrameHeader.MaxSize];
    private readonly List<long> _pings = [];
    private readonly bool _isResponse;
    private int _headerLength;
    private int _headMatched;
    private int _headPosition;
    private bool _inHead = true;
    private bool _stopped;
    private long _payloadLeft;

    /// <summary>Creates a tap.</summary>
    /// <param name="isResponse">True for the server-to-client direction, which starts with the handshake response; false for the one that starts with the request.</param>
    public FrameTap(bool isResponse) => _isResponse = isResponse;

    /// <summary>Virtual times at which pings arrived, in order.</summary>
    public IReadOnlyList<long> Pings => _pings;

    /// <summary>Watches bytes delivered at virtual time <paramref name="time"/>.</summary>
    public void Observe(ReadOnlySpan<byte> bytes, long time)
    {
        int i = 0;
        while (i < bytes.Length && !_stopped)
        {
            if (_inHead)
            {
                ObserveHead(bytes[i++]);
                continue;
            }

            if (_payloadLeft > 0)
            {
                int skip = (int)Math.Min(_payloadLeft, bytes.Length - i);
                _payloadLeft -= skip;
                i += skip;
                continue;
            }

            _header[_headerLength++] = bytes[i++];
            switch (FrameReader.TryReadHeader(_header.AsSpan(0, _headerLength), out FrameHeader header, out _))
            {
                case FrameReadResult.Complete:
                    if (header.Opcode == Opcode.Ping)
                    {
                        _pings.Add(time);
                    }

                    _payloadLeft = header.PayloadLength;
                    _headerLength = 0;
                    break;
                case FrameReadResult.NeedMoreData when _headerLength < _header.Length:
                    break;
                default:
                    _stopped = true;
                    break;
            }
        }
    }

    private void ObserveHead(byte b)
    {
        if (_isResponse && _headPosition < s_switching.Length && b != s_switching[_headPosition])
        {
            _stopped = true; // not a 101: no frames follow
            return;
        }

        _headPosition++;
        _headMatched = b == s_headEnd[_headMatched] ? _headMatched + 1 : (b == s_headEnd[0] ? 1 : 0);
        if (_headMatched == s_headEnd.Length)
        {
            _inHead = false;
        }
    }
}
