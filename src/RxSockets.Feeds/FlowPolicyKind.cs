namespace RxSockets;

/// <summary>The kinds of <see cref="FlowPolicy"/>: what a subscriber that cannot keep up receives.</summary>
public enum FlowPolicyKind
{
    /// <summary>Everything while at most N messages behind; beyond that the oldest are skipped.</summary>
    DropOldest = 0,

    /// <summary>Only the newest message; older ones not yet sent are skipped.</summary>
    Latest = 1,

    /// <summary>The newest message of every key that changed, in sequence order.</summary>
    LatestPerKey = 2,

    /// <summary>Everything while at most N messages behind; beyond that the connection is closed.</summary>
    Close = 3,
}
