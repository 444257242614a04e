using System;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>The feed hub's log messages (event ids 2001–2099; the core uses lower ones).</summary>
internal static partial class FeedLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Feed topic {Topic}: the source failed; its subscribers were told (unsubscribed, failed).")]
    public static partial void SourceFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Feed topic {Topic}: a message could not be serialised; the source's run ends as failed.")]
    public static partial void SerializationFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: an authorization hook for topic {Topic} threw; the subscription is refused.")]
    public static partial void AuthorizeFailed(ILogger logger, string connectionId, string topic, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Connection {ConnectionId}: closed by the flow policy of topic {Topic} ({Policy}).")]
    public static partial void ClosedByPolicy(ILogger logger, string connectionId, string topic, FlowPolicy policy);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Feed topic {Topic}: the drain of connection {ConnectionId} failed.")]
    public static partial void DrainFailed(ILogger logger, string topic, string connectionId, Exception exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Connection {ConnectionId}: closed after {Errors} feed errors.")]
    public static partial void TooManyErrors(ILogger logger, string connectionId, int errors);
}
