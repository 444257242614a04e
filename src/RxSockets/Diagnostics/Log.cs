using System;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// Every log message of the async core, with stable event ids that are never reused (STYLE S15).
/// Each message carries the connection id. Payloads are never logged.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "[{ConnectionId}] {Side} connection open (path {Path})")]
    public static partial void Opened(ILogger logger, string connectionId, ConnectionSide side, string? path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "[{ConnectionId}] {Description}")]
    public static partial void Closed(ILogger logger, string connectionId, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "[{ConnectionId}] close frame received: {Status}")]
    public static partial void CloseReceived(ILogger logger, string connectionId, CloseStatus status);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "[{ConnectionId}] the peer broke the protocol: {Error}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, ProtocolError error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "[{ConnectionId}] transport error")]
    public static partial void TransportError(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "[{ConnectionId}] closing handshake timed out; aborting the transport")]
    public static partial void CloseTimedOut(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "[{ConnectionId}] no pong within {Timeout}; closing with 1011")]
    public static partial void KeepAliveTimedOut(ILogger logger, string connectionId, TimeSpan timeout);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "[{ConnectionId}] message dropped: the connection is closing")]
    public static partial void DroppedAfterClose(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "[{ConnectionId}] the outgoing producer failed; closing with 1011")]
    public static partial void ProducerFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "[{ConnectionId}] an observer threw from OnNext; closing with 1011")]
    public static partial void ObserverFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "[{ConnectionId}] internal error")]
    public static partial void InternalError(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "[{ConnectionId}] the handler failed; closing with 1011")]
    public static partial void HandlerFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "handshake from {RemoteEndPoint} rejected with {StatusCode}: {Reason}")]
    public static partial void HandshakeRejected(ILogger logger, string? remoteEndPoint, int statusCode, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, System.Net.EndPoint endPoint);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "accept failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "ProcessRequest failed for a request from {RemoteEndPoint}; answered 500")]
    public static partial void ProcessRequestFailed(ILogger logger, string? remoteEndPoint, Exception exception);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "[{ConnectionId}] a {Registry} observer threw; the connection goes on")]
    public static partial void RegistryObserverFailed(ILogger logger, string connectionId, string registry, Exception exception);
}
