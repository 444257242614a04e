using System;

namespace RxSockets;

/// <summary>One topic joined on an <see cref="IFeedBackplane"/>: what the hub publishes through.</summary>
/// <remarks>Thread-safe. <see cref="Publish"/> is called with the values of one source in order.</remarks>
public interface IFeedBackplaneTopic : IDisposable
{
    /// <summary>The topic's epoch when it was joined (the receiver learns later changes with the records).</summary>
    string Epoch { get; }

    /// <summary>
    /// Publishes one message: the backplane gives it the next sequence number and delivers it to the
    /// receiver of every process that joined the topic, this one included. Never waits; a message that
    /// cannot be published is counted, logged, and announced to subscribers as a gap (a reset notice).
    /// </summary>
    /// <param name="key">The message's key, or <see langword="null"/>.</param>
    /// <param name="body">The message's body: the JSON object <c>{["key":…,]["binary":true,]"data":…}</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    void Publish(string? key, string body);
}
