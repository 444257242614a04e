using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Settings of one feed topic (<see cref="FeedHub"/>'s <c>Publish</c> methods).</summary>
/// <remarks>Read when the topic is published; changing them afterwards has no effect.</remarks>
public sealed class TopicOptions
{
    /// <summary>What a subscriber that cannot keep up receives. Default <see cref="FlowPolicy.Default"/> (drop the oldest beyond 1,024).</summary>
    public FlowPolicy FlowPolicy { get; set; } = FlowPolicy.Default;

    /// <summary>
    /// How many of the newest messages the topic keeps for clients that resume (and for slow
    /// subscribers under <see cref="FlowPolicyKind.DropOldest"/>), at least 1. Default 1,024.
    /// Memory: at most this many messages per topic, shared by every subscriber.
    /// </summary>
    public int HistoryCount { get; set; } = 1024;

    /// <summary>
    /// How old a kept message may be: older ones are dropped (the newest message is always kept) and
    /// a resume that needs them gets a <c>reset</c>. Default 2 minutes (Socket.IO's recovery window).
    /// </summary>
    public TimeSpan HistoryAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the source stays subscribed after the last subscriber left. Default 30 s: longer than
    /// a browser's usual reconnect, so a dashboard that blinks finds the topic running and its history
    /// continuous. <see cref="TimeSpan.Zero"/> unsubscribes at once; <see cref="Timeout.InfiniteTimeSpan"/> never.
    /// Not used with a shared <see cref="FeedHubOptions.Backplane"/>: the source runs from <c>Publish</c> on, since subscribers may be on other nodes.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>For a topic with a key: how many keys it remembers for snapshots and <see cref="FlowPolicy.LatestPerKey"/>; beyond it the key updated longest ago is forgotten. Default 4,096.</summary>
    public int MaxKeys { get; set; } = 4096;

    /// <summary>Decides each subscription to this topic, after <see cref="FeedHubOptions.Authorize"/>; <see langword="null"/> allows all.</summary>
    public Func<SubscribeContext, CancellationToken, ValueTask<SubscribeDecision>>? Authorize { get; set; }

    /// <summary>Checks the values and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentNullException"><see cref="FlowPolicy"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(FlowPolicy);
        ArgumentOutOfRangeException.ThrowIfLessThan(HistoryCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(HistoryAge, TimeSpan.Zero);
        if (Linger < TimeSpan.Zero && Linger != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Linger), Linger, "Linger must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }
}
