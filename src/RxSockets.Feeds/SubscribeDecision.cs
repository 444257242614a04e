using System;

namespace RxSockets;

/// <summary>
/// The answer of an authorization hook (<see cref="FeedHubOptions.Authorize"/>,
/// <see cref="TopicOptions.Authorize"/>) to one subscription: allow it, optionally with its own
/// flow policy, or refuse it with a message the client sees in an <c>error</c> envelope.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class SubscribeDecision
{
    private SubscribeDecision(bool allowed, FlowPolicy? flowPolicy, string message)
    {
        IsAllowed = allowed;
        FlowPolicy = flowPolicy;
        Message = message;
    }

    /// <summary>Allows the subscription with the topic's flow policy.</summary>
    public static SubscribeDecision Allowed { get; } = new(true, null, string.Empty);

    /// <summary>Whether the subscription is allowed.</summary>
    public bool IsAllowed { get; }

    /// <summary>The flow policy of this subscription, or <see langword="null"/> for the topic's.</summary>
    public FlowPolicy? FlowPolicy { get; }

    /// <summary>For a refusal: the message sent to the client (with the code <c>forbidden</c>).</summary>
    public string Message { get; }

    /// <summary>Allows the subscription.</summary>
    /// <param name="flowPolicy">Its flow policy; <see langword="null"/> for the topic's.</param>
    /// <returns>The decision.</returns>
    public static SubscribeDecision Allow(FlowPolicy? flowPolicy = null) => flowPolicy is null ? Allowed : new(true, flowPolicy, string.Empty);

    /// <summary>Refuses the subscription: the client gets an <c>error</c> envelope with the code <c>forbidden</c> and this message; its connection stays open.</summary>
    /// <param name="message">What to tell the client (do not put secrets here).</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static SubscribeDecision Deny(string message = "not allowed")
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(false, null, message);
    }
}
