namespace RxSockets;

/// <summary>One message of a topic as a backplane carries it.</summary>
/// <param name="Sequence">Its sequence number in its epoch (1, 2, 3, …).</param>
/// <param name="Key">Its key, or <see langword="null"/>.</param>
/// <param name="Body">The JSON object <c>{["key":…,]["binary":true,]"data":…}</c>; the data envelope adds type, topic and sequence.</param>
public readonly record struct FeedRecord(long Sequence, string? Key, string Body);
