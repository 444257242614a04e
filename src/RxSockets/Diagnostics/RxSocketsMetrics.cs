using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;

namespace RxSockets;

/// <summary>
/// The instruments of the <c>RxSockets</c> meter (docs/metrics.md lists them). One instance per
/// <see cref="IMeterFactory"/> (cached), and one shared instance over a static meter for
/// connections configured without a factory. Per-connection and per-handshake events are pushed
/// to counters and histograms. The per-message counts (<c>rxsockets.messages</c>,
/// <c>rxsockets.message.bytes</c>) are observable counters instead: a message adds to per-core
/// totals here, and a listener reads the sums when it collects. Pushing every message to a
/// listener cost 10 % more CPU per small echoed message with the runtime's aggregation listening
/// (dotnet-counters' path; 5 % with OpenTelemetry's), four tag-set lookups per echo; the totals
/// cost two uncontended interlocked adds per message. With no listener a message costs two field
/// reads (<see cref="Instrument.Enabled"/>), and it is counted only while someone listens.
/// </summary>
/// <remarks>Thread-safe: instruments may be recorded from any thread.</remarks>
internal sealed class RxSocketsMetrics
{
    /// <summary>The shared instance for connections without an <see cref="IMeterFactory"/>.</summary>
    public static readonly RxSocketsMetrics Shared = new(new Meter(RxSocketsTelemetry.MeterName, Version));

    private static readonly ConditionalWeakTable<IMeterFactory, RxSocketsMetrics> s_byFactory = [];

    private static readonly KeyValuePair<string, object?> s_receive = new("network.io.direction", "receive");
    private static readonly KeyValuePair<string, object?> s_transmit = new("network.io.direction", "transmit");
    private static readonly KeyValuePair<string, object?> s_text = new("rxsockets.message.type", "text");
    private static readonly KeyValuePair<string, object?> s_binary = new("rxsockets.message.type", "binary");
    private static readonly KeyValuePair<string, object?> s_server = new("rxsockets.connection.side", "server");
    private static readonly KeyValuePair<string, object?> s_client = new("rxsockets.connection.side", "client");
    private static readonly KeyValuePair<string, object?> s_local = new("rxsockets.close.initiator", "local");
    private static readonly KeyValuePair<string, object?> s_remote = new("rxsockets.close.initiator", "remote");

    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _handshakes;
    private readonly Histogram<double> _handshakeDuration;
    private readonly ObservableCounter<long> _messages;
    private readonly ObservableCounter<long> _bytes;
    private readonly MessageTotals _totals = new();
    private readonly Counter<long> _backpressure;
    private readonly Histogram<double> _pingRtt;

    private RxSocketsMetrics(Meter meter)
    {
        _active = meter.CreateUpDownCounter<long>("rxsockets.connections.active", "{connection}", "WebSocket connections open now (after the opening handshake, until closed).");
        _duration = meter.CreateHistogram<double>("rxsockets.connection.duration", "s", "How long WebSocket connections stayed open, from the opening handshake to the closed transport.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1, 10, 60, 300, 1800, 3600, 14400, 86400] });
        _closed = meter.CreateCounter<long>("rxsockets.connections.closed", "{connection}", "WebSocket connections closed, by close code and by the side that closed first.");
        _handshakes = meter.CreateCounter<long>("rxsockets.handshakes", "{handshake}", "Opening handshakes answered by a server: accepted (101), rejected (an HTTP error answer) or failed (timeout, reset).");
        _handshakeDuration = meter.CreateHistogram<double>("rxsockets.handshake.duration", "s", "How long opening handshakes took on a server, from the request to the answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _messages = meter.CreateObservableCounter("rxsockets.messages", () => Observe(bytes: false), "{message}", "WebSocket data messages received (complete) and accepted for sending.");
        _bytes = meter.CreateObservableCounter("rxsockets.message.bytes", () => Observe(bytes: true), "By", "Payload bytes of the messages counted by rxsockets.messages (UTF-8 for text; before compression).");
        _backpressure = meter.CreateCounter<long>("rxsockets.backpressure", "{event}", "Backpressure events: reading paused on a full incoming queue, a wait for send room, a refused TrySend (broadcast skip), a sink overflow.");
        _pingRtt = meter.CreateHistogram<double>("rxsockets.ping.rtt", "s", "Round-trip time of pings: from sending a ping to receiving its pong.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    private static string Version => typeof(RxSocketsMetrics).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The instruments of <paramref name="factory"/>'s meter, or the shared ones for <see langword="null"/>.</summary>
    public static RxSocketsMetrics For(IMeterFactory? factory) =>
        factory is null ? Shared : s_byFactory.GetValue(factory, static f => new RxSocketsMetrics(f.Create(new MeterOptions(RxSocketsTelemetry.MeterName) { Version = Version })));

    /// <summary>The side's tag.</summary>
    public static KeyValuePair<string, object?> SideTag(ConnectionSide side) => side == ConnectionSide.Server ? s_server : s_client;

    /// <summary>A connection opened. Always counted (not only while listened to), so the closing <see cref="Closed"/> never goes below zero.</summary>
    public void Opened(KeyValuePair<string, object?> side) => _active.Add(1, side);

    /// <summary>A connection closed after <paramref name="elapsed"/>, with <paramref name="code"/>.</summary>
    public void Closed(KeyValuePair<string, object?> side, TimeSpan elapsed, int code, bool remoteFirst)
    {
        _active.Add(-1, side);
        if (_closed.Enabled)
        {
            _closed.Add(1, side, new KeyValuePair<string, object?>("rxsockets.close.code", code), remoteFirst ? s_remote : s_local);
        }

        if (_duration.Enabled)
        {
            _duration.Record(elapsed.TotalSeconds, side);
        }
    }

    /// <summary>A complete message was received.</summary>
    public void Received(bool text, int payloadBytes)
    {
        bool count = _messages.Enabled;
        bool measure = _bytes.Enabled;
        if (count | measure)
        {
            _totals.Add(MessageTotals.Kind(transmit: false, text), count, measure ? payloadBytes : 0);
        }
    }

    /// <summary>A message was accepted for sending.</summary>
    public void Sent(Message message)
    {
        bool count = _messages.Enabled;
        bool measure = _bytes.Enabled;
        if (count | measure)
        {
            long payloadBytes = !measure ? 0 : message.IsText ? Encoding.UTF8.GetByteCount(message.TextData!) : message.BinaryData.Length;
            _totals.Add(MessageTotals.Kind(transmit: true, message.IsText), count, payloadBytes);
        }
    }

    /// <summary>The totals of <c>rxsockets.messages</c> (or <c>.bytes</c>) so far, one per direction and type that has any.</summary>
    private List<Measurement<long>> Observe(bool bytes)
    {
        var measurements = new List<Measurement<long>>(MessageTotals.Kinds);
        for (int kind = 0; kind < MessageTotals.Kinds; kind++)
        {
            long total = _totals.Sum(kind, bytes);
            if (total != 0)
            {
                measurements.Add(new Measurement<long>(total, (kind & 2) != 0 ? s_transmit : s_receive, (kind & 1) != 0 ? s_text : s_binary));
            }
        }

        return measurements;
    }

    /// <summary>A backpressure event of <paramref name="kind"/> (a constant of <see cref="Backpressure"/>).</summary>
    public void Pressure(string kind)
    {
        if (_backpressure.Enabled)
        {
            _backpressure.Add(1, new KeyValuePair<string, object?>("rxsockets.backpressure.kind", kind));
        }
    }

    /// <summary>A pong answered a ping after <paramref name="rtt"/>.</summary>
    public void Pong(TimeSpan rtt)
    {
        if (_pingRtt.Enabled)
        {
            _pingRtt.Record(rtt.TotalSeconds);
        }
    }

    /// <summary>A server answered an opening handshake.</summary>
    public void Handshake(string result, int statusCode, TimeSpan elapsed)
    {
        if (_handshakes.Enabled)
        {
            if (statusCode > 0)
            {
                _handshakes.Add(1, new KeyValuePair<string, object?>("rxsockets.handshake.result", result), new KeyValuePair<string, object?>("http.response.status_code", statusCode));
            }
            else
            {
                _handshakes.Add(1, new KeyValuePair<string, object?>("rxsockets.handshake.result", result));
            }
        }

        if (_handshakeDuration.Enabled)
        {
            _handshakeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("rxsockets.handshake.result", result));
        }
    }

    /// <summary>The values of <c>rxsockets.backpressure.kind</c>.</summary>
    public static class Backpressure
    {
        /// <summary>Reading paused: the incoming queue was full (TCP pushes back on the peer).</summary>
        public const string ReceivePaused = "receive_paused";

        /// <summary>A sender waited for room (<c>WaitForRoomAsync</c> above the low-water mark).</summary>
        public const string SendWaited = "send_waited";

        /// <summary><c>TrySend</c> refused a message: above the high-water mark (a broadcast or feed skipped this connection).</summary>
        public const string SendSkipped = "send_skipped";

        /// <summary>The <see cref="IObserver{T}"/> sink overflowed its limit; the connection failed with 1011.</summary>
        public const string SinkOverflow = "sink_overflow";
    }
}
