using System;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>Log messages of RxSockets.AspNetCore, with stable event ids (STYLE S15); ids 1000+ so they never meet the core's.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "WebSocket handshake from {Remote} answered {StatusCode}: {Reason}")]
    public static partial void HandshakeRejected(ILogger logger, System.Net.IPAddress? remote, int statusCode, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "WebSocket server listening on {EndPoint}")]
    public static partial void HostedServerListening(ILogger logger, System.Net.IPEndPoint endPoint);
}
