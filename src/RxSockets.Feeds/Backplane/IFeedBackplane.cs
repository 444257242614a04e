namespace RxSockets;

/// <summary>
/// Where a <see cref="FeedHub"/>'s topics get their sequence numbers and from where their messages
/// reach the hub: the hub publishes every value of a topic's source through it and fans out, to the
/// connections of this process, exactly what it receives back. <see cref="InProcessFeedBackplane"/>
/// (the default) numbers messages in this process; a shared one (the Redis backplane of
/// <c>RxSockets.Redis</c>) numbers them once for every process and delivers each to all of them.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IFeedBackplane
{
    /// <summary>
    /// Whether other processes publish and receive through it. A topic's source then runs from
    /// <c>Publish</c> until the topic is removed, since its subscribers may be on another process,
    /// and <see cref="TopicOptions.Linger"/> does not apply.
    /// </summary>
    bool IsShared { get; }

    /// <summary>
    /// Joins a topic: from now on <paramref name="receiver"/> gets the topic's messages, published by
    /// any process, in sequence order. A shared backplane may deliver the topic's history (its newest
    /// <paramref name="historyCount"/> messages) before this returns.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="historyCount">How many of the newest messages the topic keeps (<see cref="TopicOptions.HistoryCount"/>).</param>
    /// <param name="receiver">Where the topic's messages go.</param>
    /// <returns>The topic's link: publish through it, dispose it to leave the topic.</returns>
    /// <exception cref="System.ArgumentNullException">An argument is null.</exception>
    IFeedBackplaneTopic Join(string topic, int historyCount, IFeedReceiver receiver);
}
