using System;

namespace RxSockets;

/// <summary>Receives a topic's messages from an <see cref="IFeedBackplane"/> (a <see cref="FeedTopic"/> is one).</summary>
public interface IFeedReceiver
{
    /// <summary>
    /// Takes messages of the topic in ascending sequence order; calls are never concurrent for one
    /// topic. A record whose sequence is not above the last one received is a duplicate and ignored.
    /// A new <paramref name="epoch"/> (the backplane lost the topic's state, e.g. Redis restarted)
    /// or a step of more than one (messages that could not be recovered) makes the topic send its
    /// subscribers a <c>reset</c> notice and its snapshot rather than a silent gap.
    /// </summary>
    /// <param name="epoch">The epoch the sequence numbers belong to.</param>
    /// <param name="records">The messages.</param>
    void Receive(string epoch, ReadOnlySpan<FeedRecord> records);
}
