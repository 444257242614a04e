using System.Security.Claims;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>What an authorization hook knows about one subscription request.</summary>
/// <remarks>Immutable; created per request.</remarks>
public sealed class SubscribeContext
{
    internal SubscribeContext(WebSocketConnection connection, ClaimsPrincipal? user, string topic, long? since, bool byPath)
    {
        Connection = connection;
        User = user;
        Topic = topic;
        Since = since;
        ByPath = byPath;
    }

    /// <summary>The connection asking (its <see cref="WebSocketConnection.Request"/>, remote address, subprotocol).</summary>
    public WebSocketConnection Connection { get; }

    /// <summary>The opening handshake request of the connection (path, query, headers, cookies).</summary>
    public HandshakeRequest? Request => Connection.Request;

    /// <summary>The user <see cref="FeedHubOptions.Identify"/> returned for this connection, or <see langword="null"/>.</summary>
    public ClaimsPrincipal? User { get; }

    /// <summary>The topic asked for (it may not exist when the hub-wide hook runs).</summary>
    public string Topic { get; }

    /// <summary>The last sequence the client says it saw, when it resumes; otherwise <see langword="null"/>.</summary>
    public long? Since { get; }

    /// <summary>Whether the subscription comes from the request path (<see cref="FeedHubOptions.TopicFromPath"/>) rather than a message.</summary>
    public bool ByPath { get; }
}
