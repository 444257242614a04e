using System;
using System.Reactive.Subjects;

namespace RxSockets;

/// <summary>
/// What a <see cref="FeedClient"/> remembers of one subscribed topic: where to resume, on which
/// connection the subscribe went, and its subscribers. Guarded by the client's lock, except
/// <see cref="Items"/>, which only the client's message handler (one message at a time) feeds.
/// </summary>
internal sealed class ClientTopic(string name)
{
    public string Name { get; } = name;

    /// <summary>The stream the topic's observers share.</summary>
    public Subject<FeedItem> Items { get; } = new();

    /// <summary>How many observers the topic has; at 0 the client unsubscribes.</summary>
    public int Observers { get; set; }

    /// <summary>The newest sequence number delivered (0: none yet, or a reset since).</summary>
    public long LastSequence { get; set; }

    /// <summary>The topic's epoch as the server last announced it.</summary>
    public string? Epoch { get; set; }

    /// <summary>The connection the subscribe request went out on: one request per topic and connection.</summary>
    public WebSocketConnection? SubscribedOn { get; set; }

    /// <summary>The request that subscribes (or resumes) on a new connection.</summary>
    public string SubscribeRequest() => LastSequence > 0 && Epoch is not null
        ? FeedClient.Request("subscribe", Name, LastSequence, Epoch)
        : FeedClient.Request("subscribe", Name, null, null);
}
