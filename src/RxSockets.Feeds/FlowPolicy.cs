using System;
using System.Globalization;
using System.Text;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// What a feed subscriber receives when it cannot keep up: when its connection's send buffer is
/// above the high-water mark, it holds only its position in the topic, and once there is room
/// again it is sent what the policy says it is still owed (docs/feeds.md, "Flow policies").
/// </summary>
/// <remarks>
/// A policy never reorders or duplicates a topic's messages: skipped messages show as gaps in the
/// sequence numbers. Choose one per topic (<see cref="TopicOptions.FlowPolicy"/>) or per
/// subscription (<see cref="SubscribeDecision.Allow(FlowPolicy?)"/>). Immutable and thread-safe.
/// </remarks>
public sealed class FlowPolicy
{
    /// <summary>The window of <see cref="Default"/>: 1,024 messages.</summary>
    public const int DefaultMaxBehind = 1024;

    /// <summary>The reason sent by <see cref="Close(CloseCode, string, int)"/> by default.</summary>
    public const string DefaultCloseReason = "feed subscriber too slow";

    private FlowPolicy(FlowPolicyKind kind, int maxBehind, CloseCode closeCode, string closeReason)
    {
        Kind = kind;
        MaxBehind = maxBehind;
        CloseCode = closeCode;
        CloseReason = closeReason;
    }

    /// <summary>The default: <see cref="DropOldest(int)"/> with a window of <see cref="DefaultMaxBehind"/> messages.</summary>
    public static FlowPolicy Default { get; } = new(FlowPolicyKind.DropOldest, DefaultMaxBehind, CloseCode.TryAgainLater, DefaultCloseReason);

    /// <summary>
    /// Keeps only the newest message: a slow subscriber receives the newest message published
    /// while it was full, never an older one after it (a clock, a price, a position).
    /// </summary>
    public static FlowPolicy Latest { get; } = new(FlowPolicyKind.Latest, 0, CloseCode.TryAgainLater, DefaultCloseReason);

    /// <summary>
    /// Keeps the newest message of every key (the topic's <c>key</c> selector): a slow subscriber
    /// receives, in sequence order, the newest message of each key that changed while it was full
    /// (a dashboard: one reading per sensor). On a topic without a key it acts as <see cref="Latest"/>.
    /// </summary>
    public static FlowPolicy LatestPerKey { get; } = new(FlowPolicyKind.LatestPerKey, 0, CloseCode.TryAgainLater, DefaultCloseReason);

    /// <summary>The kind of policy.</summary>
    public FlowPolicyKind Kind { get; }

    /// <summary>
    /// For <see cref="FlowPolicyKind.DropOldest"/> and <see cref="FlowPolicyKind.Close"/>: how many
    /// messages a subscriber may be behind (the newest sequence minus the first one it still owes,
    /// plus one) before the oldest are skipped or the connection is closed (<see cref="int.MaxValue"/>:
    /// only the history limits it). 0 for the others.
    /// </summary>
    public int MaxBehind { get; }

    /// <summary>For <see cref="FlowPolicyKind.Close"/>: the close code. 1013 (try again later) by default.</summary>
    public CloseCode CloseCode { get; }

    /// <summary>For <see cref="FlowPolicyKind.Close"/>: the close reason.</summary>
    public string CloseReason { get; }

    /// <summary>
    /// Sends everything, in order, while the subscriber is at most <paramref name="maxBehind"/>
    /// messages behind; beyond that the oldest are skipped. A topic keeps at most its
    /// <see cref="TopicOptions.HistoryCount"/> messages, which also bounds the window.
    /// </summary>
    /// <param name="maxBehind">The window, at least 1.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBehind"/> is less than 1.</exception>
    public static FlowPolicy DropOldest(int maxBehind = DefaultMaxBehind)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBehind, 1);
        return new FlowPolicy(FlowPolicyKind.DropOldest, maxBehind, CloseCode.TryAgainLater, DefaultCloseReason);
    }

    /// <summary>
    /// Lossless: sends everything, in order, waiting for room as long as what the subscriber owes is
    /// still in the topic's history; when it would have to skip a message (the one it owes left the
    /// history, by count or age), or when it waits while more than <paramref name="maxBehind"/>
    /// messages behind, its connection is closed with <paramref name="code"/> and
    /// <paramref name="reason"/>. A client that reconnects resumes from history.
    /// </summary>
    /// <param name="code">The close code: 1008 (policy violation) or 1013 (try again later, the default) fit best.</param>
    /// <param name="reason">The close reason, at most 123 UTF-8 bytes.</param>
    /// <param name="maxBehind">
    /// How many messages behind a waiting subscriber may be; by default no limit but the history. A
    /// small value closes early, but also closes a client whose resume replays more than that into a
    /// full connection.
    /// </param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reason"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="code"/> may not be sent, or <paramref name="reason"/> is too long.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBehind"/> is negative.</exception>
    public static FlowPolicy Close(CloseCode code = CloseCode.TryAgainLater, string reason = DefaultCloseReason, int maxBehind = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBehind);
        if (!CloseStatus.IsValidOnWire((int)code) || Encoding.UTF8.GetByteCount(reason) > CloseStatus.MaxReasonBytes)
        {
            throw new ArgumentException($"Cannot close with {(int)code} \"{reason}\": the code must be valid on the wire and the reason at most {CloseStatus.MaxReasonBytes} UTF-8 bytes.", nameof(code));
        }

        return new FlowPolicy(FlowPolicyKind.Close, maxBehind, code, reason);
    }

    /// <summary>A short description, for example <c>DropOldest(1024)</c> or <c>Close(1013, 16)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Kind switch
    {
        FlowPolicyKind.DropOldest => $"DropOldest({MaxBehind.ToString(CultureInfo.InvariantCulture)})",
        FlowPolicyKind.Close => $"Close({((int)CloseCode).ToString(CultureInfo.InvariantCulture)}, {MaxBehind.ToString(CultureInfo.InvariantCulture)})",
        _ => Kind.ToString(),
    };
}
