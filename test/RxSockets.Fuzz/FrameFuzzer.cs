using System;
using System.Buffers;
using System.Collections.Generic;
using RxSockets.Protocol;

namespace RxSockets.Fuzz;

/// <summary>
/// Feeds random and mutated-valid frame streams, in random chunks, to a server engine. The engine
/// must never throw, never hang, never deliver more than its limits, never deliver after failing,
/// and allocate no more than its limits allow.
/// </summary>
public static class FrameFuzzer
{
    private static readonly ProtocolLimits s_limits = new() { MaxMessageSize = 64 * 1024, MaxFrameSize = 32 * 1024, MaxFragments = 16 };

    /// <summary>Runs one input; returns how many messages were delivered and whether the engine failed the connection.</summary>
    public static (int Messages, bool Failed) Run(int seed) => Run(seed, deflate: false);

    /// <summary>
    /// Runs one input with permessage-deflate negotiated on both ends when <paramref name="deflate"/>
    /// is set: the inflater then sees mutated compressed data and compression bombs.
    /// </summary>
    public static (int Messages, bool Failed) Run(int seed, bool deflate)
    {
        var random = new Random(seed);
        (PerMessageDeflate? client, PerMessageDeflate? server) = deflate ? Negotiate(random) : (null, null);
        byte[] input = random.Next(4) == 0 ? RandomBytes(random) : Mutator.Mutate(ValidStream(random, client), random);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        (int Messages, bool Failed) outcome;
        try
        {
            outcome = Feed(input, random, seed, server);
        }
        catch (FuzzFailureException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new FuzzFailureException("frames", seed, $"the engine threw {ex.GetType().Name}", ex);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long bound = (4 * input.Length) + (4 * s_limits.MaxMessageSize) + (256 * 1024);
        if (allocated > bound)
        {
            throw new FuzzFailureException("frames", seed, $"allocated {allocated} bytes for a {input.Length}-byte input (bound {bound})");
        }

        return outcome;
    }

    private static (int Messages, bool Failed) Feed(byte[] input, Random random, int seed, PerMessageDeflate? compression)
    {
        int messages = 0;
        using var engine = new ProtocolConnection(ConnectionSide.Server, s_limits, compression: compression);
        var output = new ArrayBufferWriter<byte>();
        byte[] pending = [];
        bool failed = false;
        int offset = 0;
        while (offset < input.Length)
        {
            int n = Math.Min(input.Length - offset, 1 + random.Next(random.Next(2) == 0 ? 4 : 2048));
            byte[] buffer = [.. pending, .. input.AsSpan(offset, n)];
            offset += n;
            var sequence = new ReadOnlySequence<byte>(buffer);
            int rounds = 0;
            while (true)
            {
                if (++rounds > buffer.Length + 16)
                {
                    throw new FuzzFailureException("frames", seed, "ReceiveData made no progress (a hang)");
                }

                engine.ReceiveData(sequence, out SequencePosition consumed, out _);
                sequence = sequence.Slice(consumed);
                bool any = false;
                while (engine.TryReadEvent(out ProtocolEvent e))
                {
                    any = true;
                    Check(e, ref failed, seed);
                    messages += e.Type is ProtocolEventType.TextMessage or ProtocolEventType.BinaryMessage ? 1 : 0;
                }

                if (!any)
                {
                    break;
                }
            }

            pending = sequence.ToArray();
            if (engine.HasPendingOutput)
            {
                engine.WritePendingOutput(output);
                output.ResetWrittenCount();
            }
        }

        engine.ReceiveEof();
        while (engine.TryReadEvent(out ProtocolEvent e))
        {
            Check(e, ref failed, seed);
        }

        if (engine.State != ConnectionState.Closed)
        {
            throw new FuzzFailureException("frames", seed, $"state {engine.State} after the end of the stream");
        }

        return (messages, engine.Error is not (ProtocolError.None or ProtocolError.UnexpectedEndOfStream));
    }

    private static void Check(in ProtocolEvent e, ref bool failed, int seed)
    {
        if (failed && e.Type is ProtocolEventType.TextMessage or ProtocolEventType.BinaryMessage)
        {
            throw new FuzzFailureException("frames", seed, "a message was delivered after the connection failed");
        }

        if (e.Payload.Length > s_limits.MaxMessageSize)
        {
            throw new FuzzFailureException("frames", seed, $"a {e.Payload.Length}-byte payload passed the {s_limits.MaxMessageSize}-byte limit");
        }

        if (e.Type == ProtocolEventType.TextMessage && !System.Text.Unicode.Utf8.IsValid(e.Payload.Span))
        {
            throw new FuzzFailureException("frames", seed, "invalid UTF-8 was delivered as text");
        }

        if (e.Type == ProtocolEventType.Failed)
        {
            failed = true;
            if (!Enum.IsDefined(e.Error) || e.Error == ProtocolError.None)
            {
                throw new FuzzFailureException("frames", seed, $"a failure without a reason ({e.Error})");
            }
        }
    }

    /// <summary>A valid client stream: messages of random kinds and sizes, fragmented, with pings and maybe a close.</summary>
    private static byte[] ValidStream(Random random, PerMessageDeflate? compression)
    {
        using var client = new ProtocolConnection(ConnectionSide.Client, compression: compression);
        var output = new ArrayBufferWriter<byte>();
        int messages = random.Next(1, 6);
        for (int m = 0; m < messages; m++)
        {
            int length = random.Next(4) switch { 0 => random.Next(126), 1 => random.Next(126, 1000), 2 => random.Next(65530, 65560), _ => random.Next(60_000, 300_000) };
            byte[] payload = new byte[length];
            bool text = random.Next(2) == 0;
            if (text)
            {
                payload.AsSpan().Fill((byte)('a' + random.Next(26)));
            }
            else
            {
                random.NextBytes(payload);
            }

            int fragments = random.Next(1, 4);
            int step = Math.Max(1, length / fragments);
            for (int f = 0, at = 0; f < fragments; f++, at += step)
            {
                bool fin = f == fragments - 1;
                ReadOnlySpan<byte> part = fin ? payload.AsSpan(Math.Min(at, length)) : payload.AsSpan(Math.Min(at, length), Math.Min(step, Math.Max(0, length - at)));
                if (f == 0)
                {
                    if (text)
                    {
                        client.SendText(part, output, fin);
                    }
                    else
                    {
                        client.SendBinary(part, output, fin);
                    }
                }
                else
                {
                    client.SendContinuation(part, output, fin);
                }

                if (random.Next(4) == 0)
                {
                    client.SendPing([(byte)m], output);
                }
            }
        }

        if (random.Next(2) == 0)
        {
            client.SendClose(new CloseStatus(CloseCode.NormalClosure, "bye"), output);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Agrees permessage-deflate with random parameters the way the handshake does: offer, accept, check the answer.</summary>
    private static (PerMessageDeflate Client, PerMessageDeflate Server) Negotiate(Random random)
    {
        var options = new PerMessageDeflateOptions
        {
            Threshold = 0,
            ServerContextTakeover = random.Next(2) == 0,
            ClientContextTakeover = random.Next(2) == 0,
            ServerMaxWindowBits = random.Next(9, 16),
            ClientMaxWindowBits = random.Next(9, 16),
        };
        ExtensionOffer offer = PerMessageDeflate.CreateOffer(options);
        if (!PerMessageDeflate.TryAccept([offer], options, out PerMessageDeflate? server, out ExtensionOffer? response)
            || !PerMessageDeflate.TryAcceptResponse(response!, options, out PerMessageDeflate? client, out string? error))
        {
            throw new InvalidOperationException($"negotiation failed for {offer}");
        }

        return (client!, server!);
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] bytes = new byte[random.Next(0, 512)];
        random.NextBytes(bytes);
        return bytes;
    }
}
