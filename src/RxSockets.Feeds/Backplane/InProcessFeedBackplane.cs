using System;
using System.Security.Cryptography;
using System.Threading;

namespace RxSockets;

/// <summary>
/// The default backplane: one process, sequence numbers counted in memory, each message delivered
/// to its topic at once on the publishing thread. The epoch is a random token chosen when the topic
/// is published, so a restarted server tells resuming clients to reset.
/// </summary>
/// <remarks>Thread-safe; stateless (its topics hold the counters).</remarks>
public sealed class InProcessFeedBackplane : IFeedBackplane
{
    /// <summary>The instance every hub uses unless told otherwise.</summary>
    public static InProcessFeedBackplane Instance { get; } = new();

    private InProcessFeedBackplane()
    {
    }

    /// <inheritdoc/>
    public bool IsShared => false;

    /// <inheritdoc/>
    public IFeedBackplaneTopic Join(string topic, int historyCount, IFeedReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(receiver);
        return new Link(receiver, NewEpoch());
    }

    /// <summary>A new random epoch: 8 URL-safe characters.</summary>
    /// <returns>The epoch.</returns>
    public static string NewEpoch()
    {
        Span<byte> bytes = stackalloc byte[6];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    private sealed class Link(IFeedReceiver receiver, string epoch) : IFeedBackplaneTopic
    {
        /// <summary>Makes numbering and delivery one step, so messages reach the topic in sequence order.</summary>
        private readonly Lock _gate = new();

        /// <summary>The newest sequence number given out.</summary>
        private long _last;

        public string Epoch => epoch;

        public void Publish(string? key, string body)
        {
            ArgumentNullException.ThrowIfNull(body);
            lock (_gate)
            {
                var record = new FeedRecord(++_last, key, body);
                receiver.Receive(epoch, new ReadOnlySpan<FeedRecord>(in record));
            }
        }

        public void Dispose()
        {
        }
    }
}
