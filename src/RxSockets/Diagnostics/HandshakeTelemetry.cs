using System;
using System.Diagnostics;
using System.Threading;

namespace RxSockets;

/// <summary>
/// One server-side opening handshake being measured (<see cref="RxSocketsTelemetry.StartHandshake"/>):
/// its span and, when it ends, one count in <c>rxsockets.handshakes</c> with its result. The first
/// of <see cref="Accepted"/>, <see cref="Rejected"/> and <see cref="Failed"/> ends it; later calls
/// and <see cref="Dispose"/> do nothing more. Disposing one that has not ended counts it as failed.
/// </summary>
/// <remarks>Thread-safe; meant to be used by the one task that runs the handshake.</remarks>
public sealed class HandshakeTelemetry : IDisposable
{
    private readonly RxSocketsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Activity? _activity;
    private int _ended;

    internal HandshakeTelemetry(RxSocketsMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
        _started = time.GetTimestamp();
        _activity = RxSocketsTelemetry.Source.StartActivity("WebSocket handshake", ActivityKind.Server);
    }

    /// <summary>The span of this handshake, or <see langword="null"/> when nobody listens to <see cref="RxSocketsTelemetry.ActivitySourceName"/>.</summary>
    public Activity? Activity => _activity;

    /// <summary>Adds what the request asked for to the span (<c>url.path</c>, <c>server.address</c>, offered subprotocols).</summary>
    /// <param name="request">The parsed request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public void SetRequest(HandshakeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_activity is { IsAllDataRequested: true } activity)
        {
            activity.DisplayName = "WebSocket handshake " + request.Path;
            activity.SetTag("url.path", request.Path);
            activity.SetTag("http.request.method", request.Method);
            if (request.Host is { } host)
            {
                activity.SetTag("server.address", host);
            }
        }
    }

    /// <summary>The handshake was accepted (101, or 200 for HTTP/2's extended CONNECT): the connection is open.</summary>
    /// <param name="statusCode">The status answered.</param>
    /// <param name="subprotocol">The subprotocol selected, or <see langword="null"/>.</param>
    public void Accepted(int statusCode = 101, string? subprotocol = null)
    {
        if (End("accepted", statusCode) && _activity is { } activity)
        {
            if (subprotocol is not null)
            {
                activity.SetTag("rxsockets.subprotocol", subprotocol);
            }

            activity.Stop();
        }
    }

    /// <summary>The handshake was answered with plain HTTP instead of an upgrade (an error, a redirect, an app's own answer).</summary>
    /// <param name="statusCode">The status answered.</param>
    /// <param name="reason">Why, for the span's status description.</param>
    public void Rejected(int statusCode, string? reason = null)
    {
        if (End("rejected", statusCode) && _activity is { } activity)
        {
            activity.SetStatus(statusCode >= 500 ? ActivityStatusCode.Error : ActivityStatusCode.Unset, reason);
            if (statusCode >= 400)
            {
                activity.SetTag("error.type", statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            activity.Stop();
        }
    }

    /// <summary>The handshake ended without an answer (timeout, reset, the client went away).</summary>
    /// <param name="reason">Why, for the span (<c>error.type</c>): "timeout", "reset", ...</param>
    public void Failed(string reason)
    {
        if (End("failed", 0) && _activity is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error, reason);
            activity.SetTag("error.type", reason);
            activity.Stop();
        }
    }

    /// <summary>Ends the handshake as failed if nothing else ended it.</summary>
    public void Dispose() => Failed("aborted");

    private bool End(string result, int statusCode)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        _metrics.Handshake(result, statusCode, _time.GetElapsedTime(_started));
        if (_activity is { } activity)
        {
            activity.SetTag("rxsockets.handshake.result", result);
            if (statusCode > 0)
            {
                activity.SetTag("http.response.status_code", statusCode);
            }
        }

        return true;
    }
}
