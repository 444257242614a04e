using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using NUnit.Framework;

namespace RxSockets.Protocol.Tests.Handshake;

/// <summary>What feeding a head to <see cref="HttpMessageParser"/> ended with.</summary>
internal sealed record HeadOutcome<T>(HttpParseResult Result, T? Message, HttpParseError Error, long ConsumedOffset, int Calls)
    where T : class;

/// <summary>
/// Feeds bytes to an <see cref="HttpMessageParser"/> the way a runtime over a pipe does: every call
/// sees all unconsumed bytes, one segment per chunk received, plus the new chunk. Checks the
/// NeedMoreData contract (nothing consumed, everything examined) on every call.
/// </summary>
internal static class HeadFeeder
{
    /// <summary>CRLF-joins <paramref name="lines"/> and ends the head with an empty line.</summary>
    public static byte[] Head(params string[] lines) => Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");

    /// <summary>The sample handshake of RFC 6455 §1.2.</summary>
    public static string[] SampleRequestLines() =>
    [
        "GET /chat HTTP/1.1",
        "Host: server.example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Origin: http://example.com",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Version: 13",
    ];

    public static IEnumerable<int> Whole(byte[] data) => [data.Length];

    public static IEnumerable<int> ByteByByte(byte[] data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            yield return 1;
        }
    }

    public static IEnumerable<int> RandomChunks(byte[] data, int seed)
    {
        var random = new Random(seed);
        for (int left = data.Length; left > 0;)
        {
            int size = Math.Min(left, random.Next(1, 24));
            left -= size;
            yield return size;
        }
    }

    public static HeadOutcome<HandshakeRequest> Request(byte[] data, IEnumerable<int>? chunks = null, ProtocolLimits? limits = null) =>
        Feed<HandshakeRequest>(data, chunks ?? Whole(data), limits, (HttpMessageParser p, ReadOnlySequence<byte> s, out SequencePosition c, out SequencePosition e, out HandshakeRequest? m, out HttpParseError err) =>
            p.ParseRequest(s, out c, out e, out m, out err));

    public static HeadOutcome<HandshakeResponse> Response(byte[] data, IEnumerable<int>? chunks = null, ProtocolLimits? limits = null) =>
        Feed<HandshakeResponse>(data, chunks ?? Whole(data), limits, (HttpMessageParser p, ReadOnlySequence<byte> s, out SequencePosition c, out SequencePosition e, out HandshakeResponse? m, out HttpParseError err) =>
            p.ParseResponse(s, out c, out e, out m, out err));

    private delegate HttpParseResult ParseStep<T>(HttpMessageParser parser, ReadOnlySequence<byte> input, out SequencePosition consumed, out SequencePosition examined, out T? message, out HttpParseError error);

    private static HeadOutcome<T> Feed<T>(byte[] data, IEnumerable<int> chunkSizes, ProtocolLimits? limits, ParseStep<T> step)
        where T : class
    {
        var parser = new HttpMessageParser(limits);
        var received = new List<byte[]>();
        int offset = 0;
        int calls = 0;
        foreach (int size in chunkSizes)
        {
            received.Add(data.AsSpan(offset, size).ToArray());
            offset += size;
            ReadOnlySequence<byte> input = SegmentedSequence.Create(received);
            calls++;
            HttpParseResult result = step(parser, input, out SequencePosition consumed, out SequencePosition examined, out T? message, out HttpParseError error);
            long consumedOffset = input.Slice(input.Start, consumed).Length;
            switch (result)
            {
                case HttpParseResult.NeedMoreData:
                    Assert.That(consumedOffset, Is.Zero, "NeedMoreData consumes nothing");
                    Assert.That(input.Slice(input.Start, examined).Length, Is.EqualTo(input.Length), "NeedMoreData examines everything");
                    Assert.That(message, Is.Null);
                    break;
                case HttpParseResult.Done:
                    Assert.That(input.Slice(input.Start, examined).Length, Is.EqualTo(consumedOffset), "Done examines what it consumes");
                    return new HeadOutcome<T>(result, message, error, consumedOffset, calls);
                default:
                    return new HeadOutcome<T>(result, message, error, consumedOffset, calls);
            }
        }

        return new HeadOutcome<T>(HttpParseResult.NeedMoreData, null, default, 0, calls);
    }
}
