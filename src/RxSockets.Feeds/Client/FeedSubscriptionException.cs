using System;

namespace RxSockets;

/// <summary>
/// A feed subscription the server refused for good (<see cref="Code"/>: <c>forbidden</c>,
/// <c>unknown-topic</c>, <c>too-many-topics</c>, <c>bad-request</c>, <c>too-large</c>; see
/// <see cref="FeedErrorCodes"/>): a <see cref="FeedClient"/> topic stream ends with it and is not
/// subscribed again after a reconnect.
/// </summary>
public sealed class FeedSubscriptionException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="code">The server's error code.</param>
    /// <param name="serverMessage">The server's explanation.</param>
    public FeedSubscriptionException(string topic, string code, string serverMessage)
        : base($"The server refused the subscription to topic '{topic}': {code} ({serverMessage}).")
    {
        Topic = topic;
        Code = code;
        ServerMessage = serverMessage;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The server's error code (<see cref="FeedErrorCodes"/>).</summary>
    public string Code { get; }

    /// <summary>The server's explanation.</summary>
    public string ServerMessage { get; }
}
