using System;
using System.Buffers;
using System.Collections.Generic;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A .NET client of a <see cref="FeedHub"/> (the browser client's counterpart): each topic is an
/// <see cref="IObservable{T}"/> of <see cref="FeedItem"/>s over one reconnecting connection, resumed
/// after every reconnect from the last sequence number it delivered, so a topic's messages arrive
/// once each and in order across connections.
/// </summary>
/// <remarks>
/// <para>
/// The first observer of a topic subscribes to it on the server; later observers share that
/// subscription (from the moment they subscribe); when the last one leaves, the client
/// unsubscribes. After a reconnect every topic is subscribed again with the last sequence and
/// epoch it saw: the server sends what was missed, or, when its history no longer covers the gap,
/// a <see cref="FeedItemKind.Reset"/> item and the snapshot. A message with a sequence number
/// already delivered is dropped and counted (<see cref="Duplicates"/>).
/// </para>
/// <para>
/// A topic stream completes when the server ends the subscription (the topic's source completed,
/// failed or was removed) or the client is disposed; it fails with
/// <see cref="FeedSubscriptionException"/> when the server refuses it for good, and with the
/// client's ending when the reconnecting client gives up. Thread-safe; items of one topic are
/// delivered one at a time, on the connection's thread: observe on another scheduler before
/// doing slow work.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var feed = new FeedClient(new Uri("ws://localhost:8080/"));
/// using IDisposable sensors = feed.Topic("sensors")
///     .Where(item =&gt; item.Kind == FeedItemKind.Data)
///     .Subscribe(item =&gt; Console.WriteLine($"{item.Sequence}: {item.Data}"));
/// </code>
/// </example>
public sealed class FeedClient : IAsyncDisposable
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = false };

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClientTopic> _topics = new(StringComparer.Ordinal);
    private readonly IDisposable _messages;
    private readonly IDisposable _states;
    private WebSocketConnection? _open;
    private long _duplicates;
    private long _malformed;
    private bool _ended;

    /// <summary>Creates a client of the hub at <paramref name="uri"/> and starts connecting.</summary>
    /// <param name="uri">The hub's <c>ws://</c> or <c>wss://</c> address.</param>
    /// <param name="options">Connection options; <see langword="null"/> for defaults, which offer <see cref="FeedHub.Subprotocol"/> (add it to your own options when the server requires it).</param>
    /// <param name="reconnect">Reconnection settings; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    public FeedClient(Uri uri, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
        : this(WebSocketClient.Reconnecting(uri, options ?? new WebSocketClientOptions { Subprotocols = [FeedHub.Subprotocol] }, reconnect))
    {
    }

    /// <summary>Creates a client over a reconnecting connection the caller made (a proxy, a custom transport, a virtual server), and starts it.</summary>
    /// <param name="socket">The connection; the client owns it from now on and disposes it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public FeedClient(ReconnectingWebSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        _states = socket.StateChanges.Subscribe(OnStatus);
        _messages = socket.Subscribe(OnMessage, OnEnded, () => OnEnded(null));
    }

    /// <summary>The reconnecting connection underneath: its state, its current connection.</summary>
    public ReconnectingWebSocket Socket { get; }

    /// <summary>Messages dropped because their sequence number had already been delivered.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Server messages skipped because they were not the feed protocol (not JSON, fields missing or of the wrong type).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>
    /// The items of <paramref name="topic"/>: subscribing subscribes on the server (once for all
    /// observers); disposing the last observer unsubscribes.
    /// </summary>
    /// <param name="topic">The topic's name.</param>
    /// <returns>The topic's messages and reset notices, in order.</returns>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is null or empty.</exception>
    public IObservable<FeedItem> Topic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return Observable.Create<FeedItem>(observer =>
        {
            ClientTopic state;
            WebSocketConnection? sendOn = null;
            lock (_lock)
            {
                if (_ended)
                {
                    observer.OnCompleted();
                    return Disposable.Empty;
                }

                if (!_topics.TryGetValue(topic, out state!))
                {
                    _topics[topic] = state = new ClientTopic(topic);
                }

                state.Observers++;
                if (_open is { } open && state.SubscribedOn != open)
                {
                    state.SubscribedOn = sendOn = open;
                }
            }

            IDisposable subscription = state.Items.Subscribe(observer);
            if (sendOn is not null)
            {
                Send(sendOn, state.SubscribeRequest());
            }

            return Disposable.Create(() =>
            {
                subscription.Dispose();
                Leave(state);
            });
        });
    }

    /// <summary>Stops: every topic stream completes, and the connection closes with 1000.</summary>
    /// <returns>A task that completes once the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        _states.Dispose();
        await Socket.DisposeAsync().ConfigureAwait(false);
        OnEnded(null);
        _messages.Dispose();
    }

    /// <summary>A request of the feed protocol (docs/feeds.md, "Wire protocol").</summary>
    internal static string Request(string type, string topic, long? since, string? epoch)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            writer.WriteString("topic"u8, topic);
            if (since is long sequence)
            {
                writer.WriteNumber("since"u8, sequence);
                writer.WriteString("epoch"u8, epoch);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Sends a request; a connection that fails meanwhile reconnects and the topic is subscribed again then.</summary>
    private static void Send(WebSocketConnection connection, string request)
    {
        _ = SendAsync();

        async Task SendAsync()
        {
            try
            {
                await connection.SendAsync(request).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // The connection went away: the reconnect subscribes again.
            }
        }
    }

    /// <summary>A new connection opened: every topic is subscribed on it, resuming where it left off.</summary>
    private void OnStatus(ReconnectStatus status)
    {
        if (status.State != ReconnectState.Open || Socket.Connection is not { } connection)
        {
            return;
        }

        List<string>? requests = null;
        lock (_lock)
        {
            _open = connection;
            foreach (ClientTopic topic in _topics.Values)
            {
                if (topic.SubscribedOn != connection)
                {
                    topic.SubscribedOn = connection;
                    (requests ??= []).Add(topic.SubscribeRequest());
                }
            }
        }

        foreach (string request in requests ?? [])
        {
            Send(connection, request);
        }
    }

    private void Leave(ClientTopic state)
    {
        WebSocketConnection? sendOn;
        lock (_lock)
        {
            if (--state.Observers > 0 || !_topics.Remove(state.Name))
            {
                return;
            }

            sendOn = state.SubscribedOn == _open ? _open : null;
        }

        if (sendOn is not null)
        {
            Send(sendOn, Request("unsubscribe", state.Name, null, null));
        }
    }

    /// <summary>One server message; messages arrive one at a time.</summary>
    private void OnMessage(Message message)
    {
        if (message.Type != MessageType.Text)
        {
            return; // the protocol's server messages are text
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(message.Text);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type"u8, out JsonElement type)
                || !root.TryGetProperty("topic"u8, out JsonElement name)
                || name.ValueKind != JsonValueKind.String)
            {
                return; // an error about no topic in particular: nothing to deliver
            }

            ClientTopic? topic;
            lock (_lock)
            {
                _topics.TryGetValue(name.GetString()!, out topic);
            }

            if (topic is not null)
            {
                Dispatch(topic, type.GetString(), root);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            Interlocked.Increment(ref _malformed); // not the protocol: skipped, the stream goes on
        }
    }

    private void Dispatch(ClientTopic topic, string? type, JsonElement root)
    {
        switch (type)
        {
            case "data":
                long sequence = root.GetProperty("seq"u8).GetInt64();
                if (sequence <= topic.LastSequence)
                {
                    Interlocked.Increment(ref _duplicates);
                    return;
                }

                topic.LastSequence = sequence;
                topic.Items.OnNext(new FeedItem(
                    FeedItemKind.Data,
                    topic.Name,
                    sequence,
                    root.TryGetProperty("key"u8, out JsonElement key) ? key.GetString() : null,
                    root.GetProperty("data"u8).Clone(),
                    root.TryGetProperty("binary"u8, out JsonElement binary) && binary.ValueKind == JsonValueKind.True,
                    null));
                break;

            case "subscribed":
                topic.Epoch = root.GetProperty("epoch"u8).GetString();
                break;

            case "reset":
                topic.LastSequence = 0; // a new history or epoch: the snapshot that follows starts over
                if (root.TryGetProperty("epoch"u8, out JsonElement newEpoch) && newEpoch.ValueKind == JsonValueKind.String)
                {
                    topic.Epoch = newEpoch.GetString(); // changed mid-subscription (a scale-out backplane lost its state)
                }

                string? reason = root.TryGetProperty("reason"u8, out JsonElement why) ? why.GetString() : null;
                topic.Items.OnNext(new FeedItem(FeedItemKind.Reset, topic.Name, 0, null, default, false, reason));
                break;

            case "unsubscribed" when root.TryGetProperty("reason"u8, out JsonElement ended) && ended.GetString() != "requested":
                End(topic, null);
                break;

            case "error":
                string code = root.TryGetProperty("code"u8, out JsonElement c) ? c.GetString() ?? string.Empty : string.Empty;
                if (code is FeedErrorCodes.Forbidden or FeedErrorCodes.UnknownTopic or FeedErrorCodes.TooManyTopics or FeedErrorCodes.BadRequest or FeedErrorCodes.TooLarge)
                {
                    string text = root.TryGetProperty("message"u8, out JsonElement m) ? m.GetString() ?? string.Empty : string.Empty;
                    End(topic, new FeedSubscriptionException(topic.Name, code, text));
                }

                break;
        }
    }

    /// <summary>Ends one topic for good: it is forgotten, so a reconnect does not subscribe it again.</summary>
    private void End(ClientTopic topic, Exception? error)
    {
        lock (_lock)
        {
            if (!_topics.Remove(topic.Name))
            {
                return;
            }
        }

        if (error is null)
        {
            topic.Items.OnCompleted();
        }
        else
        {
            topic.Items.OnError(error);
        }
    }

    /// <summary>The reconnecting client ended: every topic ends with it.</summary>
    private void OnEnded(Exception? error)
    {
        List<ClientTopic> topics;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            topics = [.. _topics.Values];
            _topics.Clear();
        }

        foreach (ClientTopic topic in topics)
        {
            if (error is null)
            {
                topic.Items.OnCompleted();
            }
            else
            {
                topic.Items.OnError(error);
            }
        }
    }
}
