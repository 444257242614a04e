using System;
using System.Security.Claims;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>Settings of a <see cref="FeedHub"/>: who may subscribe, limits per connection, the clock.</summary>
/// <remarks>Set before the hub is created; not to be changed afterwards.</remarks>
public sealed class FeedHubOptions
{
    /// <summary>The clock for history age and linger; replace it to run in virtual time. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Where topics get their sequence numbers and their messages: <see cref="InProcessFeedBackplane.Instance"/>
    /// (the default) for one process, or a shared backplane such as <c>RxSockets.Redis</c>'s to run
    /// the same topics on several server processes (docs/scale-out.md).
    /// </summary>
    public IFeedBackplane Backplane { get; set; } = InProcessFeedBackplane.Instance;

    /// <summary>Where logs go (a failing source, a failing hook); <see langword="null"/> for none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Runs once per connection, before its first subscription, and returns its user (from a cookie,
    /// a token, Basic credentials...), which the authorization hooks see; <see langword="null"/> for
    /// none. When it throws, the connection is closed with 1011.
    /// </summary>
    public Func<WebSocketConnection, CancellationToken, ValueTask<ClaimsPrincipal?>>? Identify { get; set; }

    /// <summary>
    /// Decides every subscription, for any topic name (also names that are not topics, so it can
    /// refuse without revealing whether a topic exists), before <see cref="TopicOptions.Authorize"/>;
    /// <see langword="null"/> allows all. A hook that throws refuses (the exception is logged).
    /// </summary>
    public Func<SubscribeContext, CancellationToken, ValueTask<SubscribeDecision>>? Authorize { get; set; }

    /// <summary>
    /// Maps a connection's request path to a topic it is subscribed to at once (resuming with
    /// <c>since</c> and <c>epoch</c> from the query string), for example
    /// <c>path =&gt; path.StartsWith("/feeds/") ? path[7..] : null</c>; <see langword="null"/> (the default)
    /// or a <see langword="null"/> result subscribes to nothing by path.
    /// </summary>
    public Func<string, string?>? TopicFromPath { get; set; }

    /// <summary>The most topics one connection may be subscribed to at once; more get <c>too-many-topics</c>. Default 64.</summary>
    public int MaxTopicsPerConnection { get; set; } = 64;

    /// <summary>
    /// The largest request (subscribe, unsubscribe) a client may send, in UTF-8 bytes; larger ones
    /// get <c>too-large</c> without being parsed. Default 4 KiB. What the server buffers before this
    /// check is bounded by the server's <see cref="ProtocolLimits.MaxMessageSize"/>: lower it for a feeds-only server.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 4096;

    /// <summary>How many error answers one connection may cause before it is closed with 1008 "too many feed errors". Default 100.</summary>
    public int MaxErrorsPerConnection { get; set; } = 100;

    /// <summary>Checks the values and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> or <see cref="Backplane"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(Backplane);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTopicsPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBytes, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxErrorsPerConnection, 1);
    }
}
