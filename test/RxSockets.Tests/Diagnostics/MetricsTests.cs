using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>The <c>RxSockets</c> meter (docs/metrics.md): what the runtime counts, for the standalone server and any connection.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class MetricsTests
{
    private const string Meter = RxSocketsTelemetry.MeterName;
    private TestMeterFactory _meters = null!;

    [SetUp]
    public void SetUp() => _meters = new TestMeterFactory();

    [TearDown]
    public void TearDown() => _meters.Dispose();

    private WebSocketOptions Options(Action<WebSocketOptions>? configure = null)
    {
        var options = new WebSocketOptions { PingInterval = null, MeterFactory = _meters };
        configure?.Invoke(options);
        return options;
    }

    [Test]
    public async Task Messages_ReceivedAndSent_AreCountedWithDirectionTypeAndUtf8Bytes()
    {
        using var messages = new MetricCollector<long>(_meters, Meter, "rxsockets.messages");
        using var bytes = new MetricCollector<long>(_meters, Meter, "rxsockets.message.bytes");
        await using (var pair = ConnectionPair.Create(Options(), Options()))
        {
            await pair.Client.SendAsync("héllo");
            await pair.Client.SendAsync(new byte[3]);
            await pair.Server.ReceiveAsync();
            await pair.Server.ReceiveAsync();
        }

        // Observable counters: one collection reads each direction and type's total so far.
        messages.RecordObservableInstruments();
        bytes.RecordObservableInstruments();
        string[] seen = [.. messages.GetMeasurementSnapshot().Select(m => $"{m.Tags["network.io.direction"]} {m.Tags["rxsockets.message.type"]} {m.Value}")];
        Assert.That(seen, Is.EquivalentTo(new[] { "transmit text 1", "transmit binary 1", "receive text 1", "receive binary 1" }));
        Assert.That(bytes.GetMeasurementSnapshot().Where(m => (string)m.Tags["network.io.direction"]! == "receive").Select(m => m.Value), Is.EquivalentTo(new long[] { 6, 3 }));
        Assert.That(bytes.GetMeasurementSnapshot().Where(m => (string)m.Tags["network.io.direction"]! == "transmit").Select(m => m.Value), Is.EquivalentTo(new long[] { 6, 3 }));
    }

    [Test]
    public async Task Connections_ActiveAndClosed_CountBothSidesWithTheCloseCodeAndWhoClosedFirst()
    {
        using var active = new MetricCollector<long>(_meters, Meter, "rxsockets.connections.active");
        using var closed = new MetricCollector<long>(_meters, Meter, "rxsockets.connections.closed");
        using var duration = new MetricCollector<double>(_meters, Meter, "rxsockets.connection.duration");
        var pair = ConnectionPair.Create(Options(), Options());
        Assert.That(active.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(2));

        await pair.Client.CloseAsync(CloseCode.PolicyViolation, "no");
        await pair.Server.Completion.WaitAsync(LocalServer.Wait);
        await pair.DisposeAsync();

        Assert.That(active.GetMeasurementSnapshot().Sum(m => m.Value), Is.Zero);
        string[] closes = [.. closed.GetMeasurementSnapshot().Select(m => $"{m.Tags["rxsockets.connection.side"]} {m.Tags["rxsockets.close.code"]} {m.Tags["rxsockets.close.initiator"]}")];
        Assert.That(closes, Is.EquivalentTo(new[] { "client 1008 local", "server 1008 remote" }));
        Assert.That(duration.GetMeasurementSnapshot(), Has.Count.EqualTo(2));
        Assert.That(duration.GetMeasurementSnapshot().All(m => m.Value >= 0), Is.True);
    }

    [Test]
    public async Task Ping_RoundTrip_IsRecordedInSeconds()
    {
        using var rtt = new MetricCollector<double>(_meters, Meter, "rxsockets.ping.rtt");
        await using var pair = ConnectionPair.Create(Options(), Options());
        TimeSpan latency = await pair.Client.PingAsync();
        CollectedMeasurement<double> measured = rtt.GetMeasurementSnapshot().Single();
        Assert.That(measured.Value, Is.EqualTo(latency.TotalSeconds));
    }

    [Test]
    public async Task Backpressure_SlowReader_CountsPausedReadsSkippedSendsAndTheSinkOverflow()
    {
        using var pressure = new MetricCollector<long>(_meters, Meter, "rxsockets.backpressure");
        await using var pair = ConnectionPair.Create(
            Options(o => { o.WriteHighWaterMark = 1024; o.SinkBufferLimit = 16 * 1024; }),
            Options(o => o.MaxQueue = 1),
            pipeBuffer: 4096);

        // Nobody consumes on the server: its queue (one message) fills and it stops reading.
        for (int i = 0; i < 3; i++)
        {
            _ = pair.Client.SendAsync("queued " + i).AsTask();
        }

        await pressure.WaitForMeasurementsAsync(1, LocalServer.Wait);
        Assert.That(pressure.GetMeasurementSnapshot().Single().Tags["rxsockets.backpressure.kind"], Is.EqualTo("receive_paused"));

        // Then the pipe fills and the client's outbox grows past the high-water mark and the sink's limit.
        var prepared = new PreparedMessage(Message.FromBinary(new byte[2048]));
        int accepted = 0;
        while (pair.Client.TrySend(prepared) && accepted < 10_000)
        {
            accepted++;
        }

        Assert.That(accepted, Is.LessThan(10_000), "TrySend refused once the outbox reached the high-water mark");
        for (int i = 0; i < 10_000 && pair.Client.State == ConnectionState.Open; i++)
        {
            pair.Client.OnNext(Message.FromBinary(new byte[2048]));
        }

        // Each kind is recorded by then (the overflow ended the loop above); receive_paused may come from the read loop a moment later.
        string[] expected = ["receive_paused", "send_skipped", "sink_overflow"];
        HashSet<string> Kinds() => [.. pressure.GetMeasurementSnapshot().Select(m => (string)m.Tags["rxsockets.backpressure.kind"]!)];
        HashSet<string> kinds = Kinds();
        using var deadline = new System.Threading.CancellationTokenSource(LocalServer.Wait);
        while (!kinds.IsSupersetOf(expected) && !deadline.IsCancellationRequested)
        {
            await pressure.WaitForMeasurementsAsync(pressure.GetMeasurementSnapshot().Count + 1, deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            kinds = Kinds();
        }

        Assert.That(kinds, Is.SupersetOf(expected), $"accepted {accepted}; state {pair.Client.State}; kinds {string.Join(",", kinds)}");
    }

    [Test]
    public async Task Server_CountsHandshakesByResultAndStatus()
    {
        using var handshakes = new MetricCollector<long>(_meters, Meter, "rxsockets.handshakes");
        using var durations = new MetricCollector<double>(_meters, Meter, "rxsockets.handshake.duration");
        await using WebSocketServer server = await WebSocketServer.StartAsync((ws, ct) => Task.CompletedTask, new WebSocketServerOptions { MeterFactory = _meters });

        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(server.EndPoint);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            byte[] answer = new byte[1024];
            Assert.That(Encoding.ASCII.GetString(answer, 0, await socket.ReceiveAsync(answer)), Does.StartWith("HTTP/1.1 426"));
        }

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri))
        {
            await client.Completion.WaitAsync(LocalServer.Wait);
        }

        await handshakes.WaitForMeasurementsAsync(2, LocalServer.Wait);
        IEnumerable<string> seen = handshakes.GetMeasurementSnapshot().Select(m => $"{m.Tags["rxsockets.handshake.result"]} {m.Tags["http.response.status_code"]}");
        Assert.That(seen, Is.EquivalentTo(new[] { "rejected 426", "accepted 101" }));
        Assert.That(durations.GetMeasurementSnapshot(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task NoMeterFactory_ReportsToTheStaticMeter()
    {
        using var messages = new MetricCollector<long>((object?)null, Meter, "rxsockets.messages");
        await using (var pair = ConnectionPair.Create(ConnectionPair.NoKeepAlive(), ConnectionPair.NoKeepAlive()))
        {
            await pair.Client.SendAsync("static");
            await pair.Server.ReceiveAsync();
        }

        messages.RecordObservableInstruments();
        Assert.That(messages.GetMeasurementSnapshot().Where(m => (string)m.Tags["network.io.direction"]! == "receive").Sum(m => m.Value), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Messages_AreTotalsSinceSomeoneListened_GrowingWithEachCollection()
    {
        await using var pair = ConnectionPair.Create(Options(), Options());
        await pair.Client.SendAsync("before anyone listens");
        await pair.Server.ReceiveAsync();

        using var messages = new MetricCollector<long>(_meters, Meter, "rxsockets.messages");
        messages.RecordObservableInstruments();
        Assert.That(messages.GetMeasurementSnapshot(), Is.Empty, "nothing is counted while nobody listens");

        for (int i = 0; i < 3; i++)
        {
            await pair.Client.SendAsync(new byte[] { 1, 2 });
            await pair.Server.ReceiveAsync();
        }

        messages.RecordObservableInstruments();
        await pair.Server.SendAsync("back");
        await pair.Client.ReceiveAsync();
        messages.RecordObservableInstruments();

        string[] seen = [.. messages.GetMeasurementSnapshot().Select(m => $"{m.Tags["network.io.direction"]} {m.Tags["rxsockets.message.type"]} {m.Value}")];
        Assert.That(seen, Is.EqualTo(new[]
        {
            "receive binary 3", "transmit binary 3", // first collection
            "receive binary 3", "receive text 1", "transmit binary 3", "transmit text 1", // second: cumulative
        }));
    }

    [Test]
    public void MessageTotals_AddsFromManyThreads_SumExactly()
    {
        var totals = new MessageTotals();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                totals.Add(MessageTotals.Kind(transmit: (i & 1) == 0, text: false), count: true, bytes: 3);
            }
        });

        Assert.That(totals.Sum(MessageTotals.Kind(transmit: true, text: false), bytes: false), Is.EqualTo(400_000));
        Assert.That(totals.Sum(MessageTotals.Kind(transmit: false, text: false), bytes: true), Is.EqualTo(1_200_000));
        Assert.That(totals.Sum(MessageTotals.Kind(transmit: false, text: true), bytes: false), Is.Zero);
    }
}
