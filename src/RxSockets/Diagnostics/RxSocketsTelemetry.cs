using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RxSockets;

/// <summary>
/// The names under which RxSockets reports metrics and traces (docs/metrics.md), and the entry for
/// hosts that answer opening handshakes themselves.
/// </summary>
/// <remarks>
/// Every connection reports to the <c>RxSockets</c> meter: through
/// <see cref="WebSocketOptions.MeterFactory"/> when it is set (an app's DI container has one), else
/// through a static meter of the same name. Listen with OpenTelemetry
/// (<c>AddMeter("RxSockets")</c>, <c>AddSource("RxSockets")</c>), <c>dotnet-counters</c> or a
/// <see cref="MeterListener"/>. Thread-safe.
/// </remarks>
public static class RxSocketsTelemetry
{
    /// <summary>The meter's name: <c>RxSockets</c>.</summary>
    public const string MeterName = "RxSockets";

    /// <summary>The activity source's name: <c>RxSockets</c>. It starts one span per server-side opening handshake.</summary>
    public const string ActivitySourceName = "RxSockets";

    /// <summary>The source of handshake spans.</summary>
    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(RxSocketsTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts measuring a server-side opening handshake: a span (when someone listens to
    /// <see cref="ActivitySourceName"/>) and, once it ends, the <c>rxsockets.handshakes</c> count and
    /// <c>rxsockets.handshake.duration</c>. <see cref="WebSocketServer"/> and RxSockets.AspNetCore
    /// call it; a host that runs the handshake itself and then <see cref="WebSocketConnection.CreateFromStream"/>
    /// calls it to report the same way.
    /// </summary>
    /// <param name="meterFactory">The factory of the meter to report to, or <see langword="null"/> for the static meter.</param>
    /// <param name="timeProvider">The clock for the duration; <see langword="null"/> for the system clock.</param>
    /// <returns>The handshake's telemetry; end it with one of its methods or by disposing it.</returns>
    public static HandshakeTelemetry StartHandshake(IMeterFactory? meterFactory = null, System.TimeProvider? timeProvider = null) =>
        new(RxSocketsMetrics.For(meterFactory), timeProvider ?? System.TimeProvider.System);
}
