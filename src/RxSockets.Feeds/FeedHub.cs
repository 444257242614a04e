using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A topic hub for feeds to browsers: publish any <see cref="IObservable{T}"/> under a topic name,
/// serve connections with <see cref="ServeAsync"/>, and clients subscribe by name (or by path), get
/// each message framed once for all of them, a flow policy when they are slow, and exactly what
/// they missed when they reconnect (docs/feeds.md).
/// </summary>
/// <remarks>
/// <code>
/// var hub = new FeedHub();
/// hub.Publish("sensors", readings, AppJson.Default.Reading, new TopicOptions { FlowPolicy = FlowPolicy.LatestPerKey }, key: r =&gt; r.Sensor);
/// await using var server = await WebSocketServer.StartAsync(hub.ServeAsync, options);
/// </code>
/// Thread-safe.
/// </remarks>
public sealed class FeedHub : IDisposable
{
    /// <summary>The WebSocket subprotocol of the feed protocol, version 1 (the browser client offers it).</summary>
    public const string Subprotocol = "rxsockets.feeds.v1";

    /// <summary>Where <see cref="ServeClientScriptAsync"/> serves the browser client, an ES module.</summary>
    public const string ClientScriptPath = "/rxsockets/feeds.js";

    /// <summary>The longest topic name, in UTF-16 characters.</summary>
    public const int MaxTopicLength = 200;

    private readonly ConcurrentDictionary<string, FeedTopic> _topics = new(StringComparer.Ordinal);
    private readonly FeedHubOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a hub.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FeedHub(FeedHubOptions? options = null)
    {
        _options = options ?? new FeedHubOptions();
        _options.Validate();
        _logger = _options.LoggerFactory?.CreateLogger<FeedHub>() ?? NullLogger<FeedHub>.Instance;
    }

    /// <summary>A snapshot of the published topics.</summary>
    public IReadOnlyCollection<FeedTopic> Topics => [.. _topics.Values];

    /// <summary>
    /// Publishes <paramref name="source"/> under <paramref name="topic"/>: its values are written
    /// as JSON with <paramref name="typeInfo"/> (a source-generated context keeps it trimming and
    /// AOT friendly). The source is subscribed when the first client subscribes.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="topic">The topic name: 1–200 characters, no control characters.</param>
    /// <param name="source">The values; its completion or failure ends the topic's current run (subscribers are told).</param>
    /// <param name="typeInfo">How to write a value as JSON.</param>
    /// <param name="options">The topic's settings; <see langword="null"/> for the defaults.</param>
    /// <param name="key">
    /// The key of a value (a sensor id, a ticker symbol), for snapshots (the newest value of every
    /// key) and <see cref="FlowPolicy.LatestPerKey"/>; <see langword="null"/> for a topic without keys.
    /// A value whose key is null has none.
    /// </param>
    /// <returns>The topic; dispose it to remove it.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is not a valid name or is already published.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FeedTopic Publish<T>(string topic, IObservable<T> source, JsonTypeInfo<T> typeInfo, TopicOptions? options = null, Func<T, string?>? key = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Add(topic, new TopicSource<T>(source, new JsonDataFormatter<T>(typeInfo, key), key is not null), options);
    }

    /// <summary>
    /// Publishes a stream of <see cref="Message"/>s under <paramref name="topic"/>: a text message's
    /// text goes as a JSON string, a binary message's bytes as a base64 string with <c>"binary":true</c>.
    /// </summary>
    /// <param name="topic">The topic name: 1–200 characters, no control characters.</param>
    /// <param name="source">The messages; its completion or failure ends the topic's current run.</param>
    /// <param name="options">The topic's settings; <see langword="null"/> for the defaults.</param>
    /// <param name="key">The key of a message, or <see langword="null"/> for a topic without keys.</param>
    /// <returns>The topic; dispose it to remove it.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is not a valid name or is already published.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FeedTopic Publish(string topic, IObservable<Message> source, TopicOptions? options = null, Func<Message, string?>? key = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(source);
        return Add(topic, new TopicSource<Message>(source, new MessageDataFormatter(key), key is not null), options);
    }

    /// <summary>
    /// Serves a topic that other processes publish, through the hub's shared
    /// <see cref="FeedHubOptions.Backplane"/> (docs/scale-out.md): this process has no source for it,
    /// and its subscribers get what any process publishes, with the same history and resume.
    /// </summary>
    /// <param name="topic">The topic name: 1–200 characters, no control characters.</param>
    /// <param name="options">The topic's settings (history, flow policy, authorization); <see langword="null"/> for the defaults.</param>
    /// <returns>The topic; dispose it to remove it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="topic"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is not a valid name or is already published.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The hub's backplane is not shared: nothing could ever reach the topic.</exception>
    public FeedTopic Relay(string topic, TopicOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!_options.Backplane.IsShared)
        {
            throw new InvalidOperationException("Relay needs a shared backplane (FeedHubOptions.Backplane, e.g. RxSockets.Redis): with the in-process one no other process can publish to the topic.");
        }

        return Add(topic, null, options);
    }

    /// <summary>Finds a published topic.</summary>
    /// <param name="name">The topic name.</param>
    /// <param name="topic">The topic, when found.</param>
    /// <returns>Whether it was found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool TryGetTopic(string name, [NotNullWhen(true)] out FeedTopic? topic)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _topics.TryGetValue(name, out topic);
    }

    /// <summary>
    /// The connection handler (<c>WebSocketServer.StartAsync(hub.ServeAsync, …)</c>): subscribes
    /// the connection by path when <see cref="FeedHubOptions.TopicFromPath"/> says so, then answers
    /// its subscribe and unsubscribe requests until it closes.
    /// </summary>
    /// <param name="connection">The server connection.</param>
    /// <param name="cancellationToken">The handler's token: cancelled when the connection closes or the server stops.</param>
    /// <returns>A task that completes when the connection's requests end.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    public Task ServeAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new FeedSession(this, _options, connection, new ConnectionOutlet(connection), _logger, cancellationToken).RunAsync();
    }

    /// <summary>
    /// A <see cref="WebSocketServerOptions.ProcessRequest"/> hook that serves the browser client
    /// (a dependency-free ES module) on a plain <c>GET</c> of <see cref="ClientScriptPath"/>, and
    /// lets every other request go on (<see langword="null"/>). Compose it with your own:
    /// <c>ProcessRequest = async (r, ct) =&gt; await FeedHub.ServeClientScriptAsync(r, ct) ?? MyPage(r)</c>.
    /// </summary>
    /// <param name="request">The request head.</param>
    /// <param name="cancellationToken">Unused: the answer is immediate.</param>
    /// <returns>The script's answer, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public static ValueTask<HandshakeResponse?> ServeClientScriptAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(ClientScript.Answer(request));
    }

    /// <summary>The browser client's source (what <see cref="ServeClientScriptAsync"/> serves), UTF-8.</summary>
    public static ReadOnlyMemory<byte> ClientScriptSource => ClientScript.Bytes;

    /// <summary>Removes every topic (subscribers receive <c>unsubscribed</c> with reason <c>removed</c>) and unsubscribes their sources.</summary>
    public void Dispose()
    {
        foreach (FeedTopic topic in _topics.Values)
        {
            topic.Dispose();
        }
    }

    /// <summary>Forgets a topic (called by <see cref="FeedTopic.Dispose"/>).</summary>
    internal void Remove(FeedTopic topic) => _topics.TryRemove(new KeyValuePair<string, FeedTopic>(topic.Name, topic));

    /// <summary>The hub's clock (tests drive it).</summary>
    internal TimeProvider TimeProvider => _options.TimeProvider;

    private FeedTopic Add(string name, TopicSource? source, TopicOptions? options)
    {
        if (!FeedRequest.IsValidTopic(name))
        {
            throw new ArgumentException($"A topic name has 1 to {MaxTopicLength} characters and no control characters.", nameof(name));
        }

        options ??= new TopicOptions();
        options.Validate();
        if (_topics.ContainsKey(name))
        {
            throw new ArgumentException($"The topic \"{name}\" is already published.", nameof(name));
        }

        var topic = new FeedTopic(this, name, source, options, _options.Backplane, _options.TimeProvider, _logger);
        if (!_topics.TryAdd(name, topic))
        {
            topic.Dispose(); // published meanwhile by another thread: leave the backplane again
            throw new ArgumentException($"The topic \"{name}\" is already published.", nameof(name));
        }

        topic.Start();
        return topic;
    }
}
