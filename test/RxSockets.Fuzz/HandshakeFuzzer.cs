using System;
using System.Buffers;
using System.Text;
using RxSockets.Protocol;

namespace RxSockets.Fuzz;

/// <summary>
/// Feeds random and mutated-valid HTTP heads, in random chunks, to the request and response
/// parsers and on to the handshake validators. Nothing may throw; every outcome is Done, Error
/// (with an HTTP status) or NeedMoreData; nothing is buffered past the limits.
/// </summary>
public static class HandshakeFuzzer
{
    private static readonly ProtocolLimits s_limits = new() { MaxHeaderLineLength = 256, MaxHeaderCount = 16 };

    private const string ValidRequest =
        "GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://example.com\r\n" +
        "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

    private const string ValidResponse =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";

    /// <summary>Runs one input; returns the parser's final outcome.</summary>
    public static HttpParseResult Run(int seed)
    {
        var random = new Random(seed);
        bool request = random.Next(2) == 0;
        byte[] valid = Encoding.ASCII.GetBytes(request ? ValidRequest : ValidResponse);
        byte[] input = random.Next(5) == 0 ? RandomHead(random) : Mutator.Mutate(valid, random);
        try
        {
            return Feed(input, request, random, seed);
        }
        catch (FuzzFailureException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new FuzzFailureException("handshake", seed, $"threw {ex.GetType().Name}", ex);
        }
    }

    private static HttpParseResult Feed(byte[] input, bool request, Random random, int seed)
    {
        var parser = new HttpMessageParser(s_limits);
        byte[] pending = [];
        int offset = 0;
        while (offset < input.Length)
        {
            int n = Math.Min(input.Length - offset, 1 + random.Next(64));
            byte[] buffer = [.. pending, .. input.AsSpan(offset, n)];
            offset += n;
            var sequence = new ReadOnlySequence<byte>(buffer);
            HttpParseResult result;
            SequencePosition consumed;
            HttpParseError error;
            if (request)
            {
                result = parser.ParseRequest(sequence, out consumed, out _, out HandshakeRequest? parsed, out error);
                if (result == HttpParseResult.Done)
                {
                    _ = new ServerHandshake { SupportedSubprotocols = ["chat"], Origins = new OriginPolicy(["https://example.com"]) }.Negotiate(parsed!);
                    return result;
                }
            }
            else
            {
                result = parser.ParseResponse(sequence, out consumed, out _, out HandshakeResponse? parsed, out error);
                if (result == HttpParseResult.Done)
                {
                    var handshake = new ClientHandshake(new Uri("ws://example.com/chat"), "dGhlIHNhbXBsZSBub25jZQ==") { Subprotocols = ["chat"] };
                    _ = handshake.ValidateResponse(parsed!);
                    return result;
                }
            }

            if (result == HttpParseResult.Error)
            {
                if (error.StatusCode is < 400 or > 599)
                {
                    throw new FuzzFailureException("handshake", seed, $"an error without an HTTP error status ({error.StatusCode})");
                }

                return result;
            }

            pending = sequence.Slice(consumed).ToArray();
            if (pending.Length > (s_limits.MaxHeaderLineLength + 2) * (s_limits.MaxHeaderCount + 2))
            {
                throw new FuzzFailureException("handshake", seed, $"{pending.Length} bytes buffered past the limits");
            }
        }

        return HttpParseResult.NeedMoreData;
    }

    private static byte[] RandomHead(Random random)
    {
        byte[] bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        if (random.Next(2) == 0)
        {
            // Mostly printable, with line breaks, to get past the first line more often.
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(12) == 0 ? (byte)'\n' : random.Next(12) == 0 ? (byte)'\r' : (byte)random.Next(32, 127);
            }
        }

        return bytes;
    }
}
