namespace RxSockets;

/// <summary>One published message of a topic: its sequence number, its shared frame, its key and when it was published.</summary>
/// <param name="Seq">The sequence number (1, 2, 3, … per topic).</param>
/// <param name="Frame">The envelope, framed once for every subscriber.</param>
/// <param name="Key">The key, on a topic with a key selector; otherwise <see langword="null"/>.</param>
/// <param name="Timestamp">When it was published (<see cref="System.TimeProvider.GetTimestamp"/> of the hub's clock).</param>
internal sealed record FeedEntry(long Seq, PreparedMessage Frame, string? Key, long Timestamp);

/// <summary>A frame a drain still has to send: a data frame with its sequence number, or a control frame (sequence 0).</summary>
/// <param name="Frame">The frame.</param>
/// <param name="Seq">The data sequence number, or 0 for a control frame of the subscription.</param>
internal readonly record struct Owed(PreparedMessage Frame, long Seq);
