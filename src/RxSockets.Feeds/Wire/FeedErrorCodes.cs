namespace RxSockets;

/// <summary>
/// The <c>code</c> values of the feed protocol's <c>error</c> envelope (docs/feeds.md). Stable: a
/// client may switch on them.
/// </summary>
public static class FeedErrorCodes
{
    /// <summary>Not JSON, not an object, a missing or mistyped field, an invalid topic name, or a binary message.</summary>
    public const string BadRequest = "bad-request";

    /// <summary>A request larger than <see cref="FeedHubOptions.MaxRequestBytes"/>.</summary>
    public const string TooLarge = "too-large";

    /// <summary>A request whose <c>type</c> this server does not know.</summary>
    public const string UnknownType = "unknown-type";

    /// <summary>No topic has that name.</summary>
    public const string UnknownTopic = "unknown-topic";

    /// <summary>An authorization hook refused the subscription.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The connection already has <see cref="FeedHubOptions.MaxTopicsPerConnection"/> subscriptions.</summary>
    public const string TooManyTopics = "too-many-topics";

    /// <summary>The connection is already subscribed to that topic.</summary>
    public const string AlreadySubscribed = "already-subscribed";

    /// <summary>The connection is not subscribed to that topic.</summary>
    public const string NotSubscribed = "not-subscribed";
}
