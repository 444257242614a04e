using System;
using RxSockets.Protocol;

namespace RxSockets.Compliance.FuzzingClient;

/// <summary>How the fuzzing client connects.</summary>
public sealed class FuzzingClientSettings
{
    /// <summary>
    /// Whether to offer permessage-deflate with its RFC defaults (the default; <c>--no-deflate</c>
    /// turns it off). Messages are compressed whatever their size (threshold 0), so the suites'
    /// compression cases (Autobahn 12.x and 13.x) exercise the codec.
    /// </summary>
    public bool OfferDeflate { get; init; } = true;

    /// <summary>
    /// The largest message and frame accepted. Default 64 MiB: the fuzzing suites send messages
    /// of up to 16 MiB (Autobahn's 9.x cases), well above the library's 1 MiB default.
    /// </summary>
    public long MaxMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Converts to client options: raised limits, no fragment limit, no keepalive pings (they would disturb the cases).</summary>
    /// <returns>The options.</returns>
    public WebSocketClientOptions ToOptions() => new()
    {
        Limits = new ProtocolLimits { MaxMessageSize = MaxMessageSize, MaxFrameSize = MaxMessageSize, MaxFragments = 0 },
        PingInterval = null,
        UserAgent = "RxSockets FuzzingClient",
        OpenTimeout = TimeSpan.FromSeconds(30),
        Compression = OfferDeflate ? new PerMessageDeflateOptions { Threshold = 0 } : null,
    };
}
