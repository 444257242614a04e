using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Where a subscriber stands with its topic.</summary>
internal enum SubscriberState
{
    /// <summary>Up to date: the publisher sends it each shared frame at once.</summary>
    Live,

    /// <summary>Owes frames: its drain sends them (control frames first, then data from <see cref="TopicSubscriber.Next"/> as its policy says).</summary>
    Behind,

    /// <summary>Gone: nothing more is sent.</summary>
    Removed,
}

/// <summary>What a behind subscriber is owed from its position on.</summary>
internal enum Conflation
{
    /// <summary>Every message from the position on, from the topic's history.</summary>
    None,

    /// <summary>Only the newest message.</summary>
    Latest,

    /// <summary>The newest message of every key, in sequence order.</summary>
    PerKey,
}

/// <summary>
/// One connection's subscription to one topic. A position and a few flags: what a slow subscriber
/// is owed is held by the topic (history, key table), not here.
/// </summary>
/// <remarks>Every field but the constructor's is guarded by the topic's lock.</remarks>
internal sealed class TopicSubscriber(FeedTopic topic, IFeedOutlet outlet, FlowPolicy policy, CancellationToken cancellationToken)
{
    /// <summary>Frames per drain turn (control and data).</summary>
    public const int BatchSize = 64;

    /// <summary>The topic.</summary>
    public FeedTopic Topic { get; } = topic;

    /// <summary>The connection.</summary>
    public IFeedOutlet Outlet { get; } = outlet;

    /// <summary>What it receives when it cannot keep up.</summary>
    public FlowPolicy Policy { get; } = policy;

    /// <summary>Ends its drain's waits (the connection's handler token).</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Live, behind or removed.</summary>
    public SubscriberState State { get; set; } = SubscriberState.Behind;

    /// <summary>Unsubscribed or its topic ended: owes only its control frames, then is removed.</summary>
    public bool Detached { get; set; }

    /// <summary>Its index in the topic's list while attached; -1 otherwise.</summary>
    public int Index { get; set; } = -1;

    /// <summary>While behind: the first sequence it is still owed.</summary>
    public long Next { get; set; }

    /// <summary>While behind: whether it is owed every message, the newest, or the newest per key.</summary>
    public Conflation Conflation { get; set; }

    /// <summary>
    /// While conflating: the newest sequence the conflation covers. A snapshot (a new subscription,
    /// a reset) covers what the topic held up to a point, and every message after that is owed one
    /// by one; a flow policy conflates up to the newest, whenever its drain runs
    /// (<see cref="long.MaxValue"/>).
    /// </summary>
    public long ConflateUntil { get; set; } = long.MaxValue;

    /// <summary>Counts the resets it was sent: a drain that took frames before one does not move <see cref="Next"/> for them.</summary>
    public int Generation { get; set; }

    /// <summary>Whether its drain waits for room (its last send was refused): the flow policy applies when it wakes.</summary>
    public bool Waiting { get; set; }

    /// <summary>Control frames owed before any data (subscribed, reset, unsubscribed).</summary>
    public Queue<PreparedMessage>? Control { get; set; }

    /// <summary>The drain's buffer, allocated the first time it falls behind.</summary>
    public Owed[]? Batch { get; set; }

    /// <summary>The frames of <see cref="Batch"/>, offered to the connection as one run.</summary>
    public PreparedMessage[]? Frames { get; set; }

    /// <summary>The running drain, if any (observed by tests).</summary>
    public Task? Drain { get; set; }

    /// <summary>Whether the session should still count it as a subscription.</summary>
    public bool IsActive => State != SubscriberState.Removed && !Detached;
}
