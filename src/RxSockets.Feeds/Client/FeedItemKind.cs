namespace RxSockets;

/// <summary>What a <see cref="FeedItem"/> carries.</summary>
public enum FeedItemKind
{
    /// <summary>One message of the topic (<see cref="FeedItem.Sequence"/>, <see cref="FeedItem.Data"/>).</summary>
    Data,

    /// <summary>
    /// The server could not resume the topic where the client left it (<see cref="FeedItem.Reason"/>:
    /// <c>history</c> or <c>epoch</c>): drop what was built from the topic; the snapshot follows.
    /// </summary>
    Reset,
}
