using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Threading;

namespace Echo;

/// <summary>
/// <c>Echo --metrics</c>: listens to the <c>RxSockets</c> meter the way <c>dotnet-counters</c> does,
/// in-process. It enables the runtime's <c>System.Diagnostics.Metrics</c> event source with
/// <c>Metrics=RxSockets</c>, so the runtime's own aggregation (the code path of
/// <c>dotnet-counters monitor --counters RxSockets</c>) enables every instrument of the meter and
/// aggregates every measurement; one line a second reports the message rate it saw (for
/// test/RxSockets.LoadTool/compare.sh --metrics, which measures what listening costs a message).
/// </summary>
internal sealed class MetricsListener : EventListener
{
    private const string SourceName = "System.Diagnostics.Metrics";

    /// <summary>The event source's keywords: TimeSeriesValues (0x2) and InstrumentPublishing (0x4).</summary>
    private const EventKeywords Keywords = (EventKeywords)0x6;

    private readonly string _session = Guid.NewGuid().ToString("N");
    private long _reports;

    /// <summary>How many aggregated values of <c>rxsockets.messages</c> the runtime has published so far.</summary>
    public long Reports => Interlocked.Read(ref _reports);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == SourceName)
        {
            EnableEvents(eventSource, EventLevel.Informational, Keywords, new Dictionary<string, string?>
            {
                ["SessionId"] = _session,
                ["Metrics"] = "RxSockets",
                ["RefreshInterval"] = "1",
                ["MaxTimeSeries"] = "1000",
                ["MaxHistograms"] = "20",
            });
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // CounterRateValuePublished: sessionId, meterName, meterVersion, instrumentName, unit, tags, rate, value, ...
        if (eventData.EventName == "CounterRateValuePublished" && eventData.Payload is { Count: > 6 } payload
            && payload[3] is "rxsockets.messages")
        {
            Interlocked.Increment(ref _reports);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"metrics: rxsockets.messages {{{payload[5]}}} rate {payload[6]}"));
        }
        else if (eventData.EventName is "Error" or "MultipleSessionsNotSupportedError" or "TimeSeriesLimitReached")
        {
            Console.Error.WriteLine($"metrics: {eventData.EventName}");
        }
    }
}
