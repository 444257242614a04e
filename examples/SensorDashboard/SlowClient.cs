using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

using RxSockets;

namespace SensorDashboard;

/// <summary>What a slow client read in one burst.</summary>
/// <param name="Messages">How many readings it read.</param>
/// <param name="FirstSeq">The first sequence number read.</param>
/// <param name="LastSeq">The last sequence number read.</param>
/// <param name="Newest">The newest reading of each sensor in the burst, with its sequence number.</param>
public sealed record Burst(int Messages, long FirstSeq, long LastSeq, IReadOnlyDictionary<string, (Reading Reading, long Seq)> Newest)
{
    /// <summary>Readings published in the burst's span of sequence numbers that the client never got: conflated away.</summary>
    public long Skipped => LastSeq - FirstSeq + 1 - Messages;
}

/// <summary>
/// The conflation demo: a client that reads its socket only now and then, like a phone that wakes
/// up, with the small socket buffers of a real network link. While it sleeps its connection fills,
/// the hub keeps only its position, and when it reads again it gets what its buffers already held,
/// then the newest reading of every sensor: not the backlog of everything published meanwhile.
/// </summary>
/// <remarks>
/// It speaks the feed protocol over a raw socket (its handshake by hand, frames through the
/// sans-I/O engine) because it must control its socket: a 4 KiB receive buffer and, on Linux,
/// 1,460-byte TCP segments (loopback's are 64 KiB, with which the kernel buffers megabytes for a
/// peer that does not read, which a real network link does not).
/// </remarks>
public sealed class SlowClient : IDisposable
{
    private readonly Socket _socket;
    private readonly ProtocolConnection _engine = new(ConnectionSide.Client);
    private readonly byte[] _buffer = new byte[16 * 1024];

    /// <summary>A reading younger than this ends a burst (the client caught up with the live readings).</summary>
    private static readonly TimeSpan CaughtUp = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the socket must stay quiet for a burst to end otherwise.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>Readings parsed beyond what the last burst could take.</summary>
    private readonly Queue<(Reading Reading, long Seq)> _parsed = new();

    /// <summary>The start of a frame not complete yet.</summary>
    private byte[] _pending = [];

    private SlowClient(Socket socket) => _socket = socket;

    /// <summary>Connects and subscribes to <paramref name="topic"/>, then reads nothing until asked.</summary>
    /// <param name="server">The server's ws:// address.</param>
    /// <param name="topic">A keyed topic of readings.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The client.</returns>
    public static async Task<SlowClient> ConnectAsync(Uri server, string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = new SlowClient(await ConnectSocketAsync(server, cancellationToken));
        try
        {
            var request = new ArrayBufferWriter<byte>();
            client._engine.SendText($$"""{"type":"subscribe","topic":"{{topic}}"}""".AsSpan(), request);
            await client._socket.SendAsync(request.WrittenMemory, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The console demo: a client that sleeps for <paramref name="pause"/> (a phone with its screen
    /// off), then reads everything its socket holds, and writes a line per wake-up: how many
    /// readings it got, how many were skipped for it, and how old the newest one is. It gets what its
    /// buffers held, then the newest reading of every sensor: never the backlog of the whole pause.
    /// </summary>
    /// <param name="server">The server's ws:// address.</param>
    /// <param name="topic">A keyed topic of readings.</param>
    /// <param name="pause">How long it sleeps between reads.</param>
    /// <param name="output">Where the lines go.</param>
    /// <param name="cancellationToken">Stops it.</param>
    /// <returns>A task that ends when cancelled (with <see cref="OperationCanceledException"/>).</returns>
    public static async Task RunAsync(Uri server, string topic, TimeSpan pause, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        using SlowClient client = await ConnectAsync(server, topic, cancellationToken);
        for (int number = 1; ; number++)
        {
            await Task.Delay(pause, cancellationToken); // asleep: not reading, the connection fills up
            output.WriteLine(Describe(number, await client.ReadBurstAsync(until: null, int.MaxValue, cancellationToken)));
        }
    }

    /// <summary>
    /// Reads at least one reading: then up to <paramref name="until"/> when given (the reading with
    /// that sequence number), otherwise until it caught up with the live readings (one younger than
    /// 50 ms on the real clock) or the socket stays quiet for 100 ms; at most <paramref name="max"/>.
    /// </summary>
    /// <param name="until">A sequence number to read up to, or <see langword="null"/>.</param>
    /// <param name="max">The most readings to return (the rest waits for the next burst).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The burst.</returns>
    public async Task<Burst> ReadBurstAsync(long? until, int max, CancellationToken cancellationToken)
    {
        var readings = new List<(Reading Reading, long Seq)>();
        while (readings.Count < max && _parsed.TryDequeue(out (Reading, long) left))
        {
            readings.Add(left);
        }

        while (readings.Count < max && (readings.Count == 0 || until is not long last || readings[^1].Seq < last))
        {
            int read;
            if (until is null && readings.Count > 0)
            {
                if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - readings[^1].Reading.At < CaughtUp.TotalMilliseconds)
                {
                    break; // caught up with the live readings
                }

                // Otherwise everything until the socket stays quiet for a moment.
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(QuietPeriod);
                try
                {
                    read = await _socket.ReceiveAsync(_buffer, quiet.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
            else
            {
                read = await _socket.ReceiveAsync(_buffer, cancellationToken);
            }

            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }

            var parsed = new List<(Reading Reading, long Seq)>();
            _pending = Parse(_engine, [.. _pending, .. _buffer.AsSpan(0, read)], parsed);
            foreach ((Reading, long) reading in parsed)
            {
                if (readings.Count < max)
                {
                    readings.Add(reading);
                }
                else
                {
                    _parsed.Enqueue(reading);
                }
            }
        }

        return Summarize(readings);
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket.Dispose();

    private static async Task<Socket> ConnectSocketAsync(Uri server, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        try
        {
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(6, 2, BitConverter.GetBytes(1460)); // IPPROTO_TCP, TCP_MAXSEG
            }

            await socket.ConnectAsync(server.Host, server.Port, cancellationToken);
            string key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            string head = $"GET / HTTP/1.1\r\nHost: {server.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: rxsockets.feeds.v1\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
            var response = new StringBuilder();
            byte[] one = new byte[1];
            while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(one, cancellationToken) == 0)
                {
                    throw new IOException("the server closed during the handshake");
                }

                response.Append((char)one[0]);
            }

            if (!response.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new IOException($"the handshake was refused: {response.ToString().Split('\r')[0]}");
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Feeds bytes to the engine, collects the readings of data envelopes, returns what is left of a partial frame.</summary>
    private static byte[] Parse(ProtocolConnection engine, byte[] data, List<(Reading Reading, long Seq)> readings)
    {
        var sequence = new ReadOnlySequence<byte>(data);
        while (true)
        {
            engine.ReceiveData(sequence, out SequencePosition consumed, out _);
            sequence = sequence.Slice(consumed);
            bool any = false;
            while (engine.TryReadEvent(out ProtocolEvent e))
            {
                any = true;
                if (e.Type == ProtocolEventType.TextMessage)
                {
                    using JsonDocument envelope = JsonDocument.Parse(e.Payload);
                    JsonElement root = envelope.RootElement;
                    if (root.GetProperty("type").GetString() == "data")
                    {
                        Reading reading = root.GetProperty("data").Deserialize(SensorJson.Default.Reading)!;
                        readings.Add((reading, root.GetProperty("seq").GetInt64()));
                    }
                }
                else if (e.Type is ProtocolEventType.Close or ProtocolEventType.Failed)
                {
                    throw new IOException($"the connection closed: {e}");
                }
            }

            if (!any)
            {
                return sequence.ToArray();
            }
        }
    }

    private static Burst Summarize(List<(Reading Reading, long Seq)> readings)
    {
        var newest = new Dictionary<string, (Reading, long)>();
        foreach ((Reading reading, long seq) in readings)
        {
            newest[reading.Sensor] = (reading, seq);
        }

        return new Burst(readings.Count, readings[0].Seq, readings[^1].Seq, newest);
    }

    private static string Describe(int number, Burst burst)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string sensors = string.Join("  ", burst.Newest.OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Key}={n.Value.Reading.Value:F2}")));
        long age = burst.Newest.Values.Min(n => now - n.Reading.At);
        return string.Create(CultureInfo.InvariantCulture,
            $"burst {number,3}: read {burst.Messages,6:N0} readings (seq {burst.FirstSeq:N0}..{burst.LastSeq:N0}, {burst.Skipped:N0} skipped); newest {age} ms old: {sensors}");
    }
}
