using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;

namespace RxSockets.AspNetCore.Tests;

/// <summary>Endpoints report to the app's <c>RxSockets</c> meter (through its <see cref="IMeterFactory"/>) and trace handshakes.</summary>
[TestFixture]
[CancelAfter(60_000)]
[NonParallelizable]
public sealed class MetricsTests
{
    [Test]
    public async Task Endpoint_ReportsHandshakesMessagesConnectionsAndCloseCodes_ToTheAppsMeter()
    {
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/echo", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }));
        IMeterFactory meters = app.App.Services.GetRequiredService<IMeterFactory>();
        using var handshakes = new MetricCollector<long>(meters, RxSocketsTelemetry.MeterName, "rxsockets.handshakes");
        using var messages = new MetricCollector<long>(meters, RxSocketsTelemetry.MeterName, "rxsockets.messages");
        using var bytes = new MetricCollector<long>(meters, RxSocketsTelemetry.MeterName, "rxsockets.message.bytes");
        using var active = new MetricCollector<long>(meters, RxSocketsTelemetry.MeterName, "rxsockets.connections.active");
        using var closed = new MetricCollector<long>(meters, RxSocketsTelemetry.MeterName, "rxsockets.connections.closed");

        (string refused, _, _) = await RawHttp.SendAsync(app.EndPoint, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.That(refused, Does.StartWith("HTTP/1.1 426"));
        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/echo")))
        {
            await client.SendAsync("héllo"); // 6 UTF-8 bytes
            await client.ReceiveAsync();
            await client.SendAsync(new byte[10]);
            await client.ReceiveAsync();
        }

        await closed.WaitForMeasurementsAsync(1, KestrelApp.Wait);
        IReadOnlyList<CollectedMeasurement<long>> shakes = handshakes.GetMeasurementSnapshot();
        Assert.That(shakes.Select(m => ((string)m.Tags["rxsockets.handshake.result"]!, m.Tags["http.response.status_code"])), Is.EquivalentTo(new[] { ("rejected", (object?)426), ("accepted", (object?)101) }));

        // The client is RxSockets too, but it reports to the static meter, not the app's.
        // Messages and bytes are observable counters: one collection reads the totals.
        messages.RecordObservableInstruments();
        bytes.RecordObservableInstruments();
        IReadOnlyList<CollectedMeasurement<long>> counted = messages.GetMeasurementSnapshot();
        Assert.That(counted.Where(m => (string)m.Tags["network.io.direction"]! == "receive").Sum(m => m.Value), Is.EqualTo(2));
        Assert.That(counted.Where(m => (string)m.Tags["network.io.direction"]! == "transmit").Sum(m => m.Value), Is.EqualTo(2));
        Assert.That(bytes.GetMeasurementSnapshot().Where(m => (string)m.Tags["network.io.direction"]! == "receive").Sum(m => m.Value), Is.EqualTo(16));
        Assert.That(active.GetMeasurementSnapshot().Select(m => m.Value), Is.EqualTo(new long[] { 1, -1 }));
        CollectedMeasurement<long> close = closed.GetMeasurementSnapshot().Single();
        Assert.That(close.Tags["rxsockets.close.code"], Is.EqualTo(1000));
        Assert.That(close.Tags["rxsockets.close.initiator"], Is.EqualTo("remote"));
        Assert.That(close.Tags["rxsockets.connection.side"], Is.EqualTo("server"));
    }

    [Test]
    public async Task Endpoint_TracesEachHandshakeAsASpan()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RxSocketsTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) { spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        await using KestrelApp app = await KestrelApp.StartAsync(a => a.MapWebSocket("/traced/{id}", (WebSocketConnection ws, CancellationToken ct) => ws.SendAsync("x", ct).AsTask()));

        await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(app.Ws("/traced/7")))
        {
            await client.ReceiveAsync();
        }

        Activity span;
        lock (spans)
        {
            span = spans.Single(s => (string?)s.GetTagItem("url.path") == "/traced/7");
        }

        Assert.That(span.Kind, Is.EqualTo(ActivityKind.Server));
        Assert.That(span.GetTagItem("http.response.status_code"), Is.EqualTo(101));
        Assert.That(span.GetTagItem("rxsockets.handshake.result"), Is.EqualTo("accepted"));
        Assert.That(span.DisplayName, Is.EqualTo("WebSocket handshake /traced/7"));
    }
}
