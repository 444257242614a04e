using System;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// Log messages of the reconnecting client, with stable event ids (101 and up, apart from the
/// connection's own in <see cref="Log"/>). Each carries the client's name: the URI it connects to.
/// </summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "[{Client}] reconnecting: attempt {Attempt} in {DelaySeconds:0.0} s ({Reason})")]
    public static partial void Reconnecting(ILogger logger, string client, int attempt, double delaySeconds, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "[{Client}] giving up reconnecting after {Attempts} attempts")]
    public static partial void GaveUp(ILogger logger, string client, int attempts, Exception lastError);
}
