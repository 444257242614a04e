using System;
using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RxSockets;

/// <summary>The Redis backplane's log messages (event ids 2201–2299).</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Redis backplane: connection to {EndPoint} failed ({FailureType}); it reconnects by itself.")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint? endPoint, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Redis backplane: connection to {EndPoint} restored; topics catch up from their history.")]
    public static partial void ConnectionRestored(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "Redis backplane: a message of topic {Topic} could not be published and is lost; subscribers on every node will get a reset notice.")]
    public static partial void PublishFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Redis backplane: topic {Topic} lost {Count} messages ({From}..{To}) that its history no longer holds; its subscribers get a reset notice.")]
    public static partial void MessagesLost(ILogger logger, string topic, long count, long from, long to);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Redis backplane: topic {Topic} changed epoch from {OldEpoch} to {NewEpoch} (Redis lost its state, e.g. it restarted); its subscribers get a reset notice.")]
    public static partial void EpochChanged(ILogger logger, string topic, string oldEpoch, string newEpoch);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Warning, Message = "Redis backplane: topic {Topic} could not catch up from Redis; it will again when the connection is restored.")]
    public static partial void SyncFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Warning, Message = "Redis backplane: an unreadable message on channel {Channel} was ignored.")]
    public static partial void BadPayload(ILogger logger, string channel);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Error, Message = "Redis backplane: topic {Topic} failed to take a message; it goes on with the next.")]
    public static partial void TurnFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Debug, Message = "Redis backplane: topic {Topic} takes {Count} messages ({From}..{To}) of epoch {Epoch} after {Last} of epoch {OldEpoch}.")]
    public static partial void Taking(ILogger logger, string topic, int count, long from, long to, string epoch, long last, string oldEpoch);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Debug, Message = "Redis backplane: topic {Topic} catches up from Redis after {Last} of epoch {Epoch}.")]
    public static partial void CatchingUp(ILogger logger, string topic, long last, string epoch);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Warning, Message = "Redis backplane: topic {Topic} fell more than {Capacity} messages behind Redis; it reads what it missed from the history (a reset if the history no longer holds it).")]
    public static partial void QueueFull(ILogger logger, string topic, int capacity);
}
