using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// One connection of a <see cref="FeedHub"/>: reads its requests one at a time, authorizes and
/// answers them, and holds its subscriptions until it closes.
/// </summary>
/// <remarks>
/// Requests are handled in order, awaiting the hooks and the error replies: a client that floods
/// requests without reading the answers is slowed down by TCP, not buffered. Not thread-safe: only
/// its own loop uses it.
/// </remarks>
internal sealed class FeedSession
{
    private readonly FeedHub _hub;
    private readonly FeedHubOptions _options;
    private readonly WebSocketConnection _connection;
    private readonly IFeedOutlet _outlet;
    private readonly ILogger _logger;
    private readonly CancellationToken _cancellationToken;

    /// <summary>Subscriptions by topic name; entries whose subscriber is no longer active are stale and replaced.</summary>
    private readonly Dictionary<string, TopicSubscriber> _subscriptions = new(StringComparer.Ordinal);

    private ClaimsPrincipal? _user;
    private int _errors;

    public FeedSession(FeedHub hub, FeedHubOptions options, WebSocketConnection connection, IFeedOutlet outlet, ILogger logger, CancellationToken cancellationToken)
    {
        _hub = hub;
        _options = options;
        _connection = connection;
        _outlet = outlet;
        _logger = logger;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Serves the connection until it closes (or is closed for too many errors); drops its subscriptions at the end.</summary>
    /// <returns>A task that completes when the connection's requests end.</returns>
    public async Task RunAsync()
    {
        try
        {
            if (_options.Identify is { } identify)
            {
                _user = await identify(_connection, _cancellationToken).ConfigureAwait(false);
            }

            if (_options.TopicFromPath?.Invoke(Uri.UnescapeDataString(_connection.Path)) is { } pathTopic
                && !await SubscribeByPathAsync(pathTopic).ConfigureAwait(false))
            {
                return;
            }

            await foreach (Message message in _connection.ReadAllAsync(_cancellationToken).ConfigureAwait(false))
            {
                if (!await HandleAsync(message).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            foreach (TopicSubscriber subscriber in _subscriptions.Values)
            {
                subscriber.Topic.Drop(subscriber);
            }
        }
    }

    /// <summary>Handles one request; false once the connection was closed for too many errors.</summary>
    private async ValueTask<bool> HandleAsync(Message message)
    {
        if (!message.IsText)
        {
            return await ErrorAsync(null, FeedErrorCodes.BadRequest, "requests are JSON text messages, not binary ones").ConfigureAwait(false);
        }

        string text = message.Text;
        if (text.Length > _options.MaxRequestBytes || (text.Length * 3 > _options.MaxRequestBytes && Encoding.UTF8.GetByteCount(text) > _options.MaxRequestBytes))
        {
            return await ErrorAsync(null, FeedErrorCodes.TooLarge, $"requests are at most {_options.MaxRequestBytes.ToString(CultureInfo.InvariantCulture)} bytes").ConfigureAwait(false);
        }

        if (!FeedRequest.TryParse(text, out FeedRequest request, out string? topic, out string? error))
        {
            return await ErrorAsync(ValidOrNull(topic), FeedErrorCodes.BadRequest, error!).ConfigureAwait(false);
        }

        if (request.Type is not ("subscribe" or "unsubscribe"))
        {
            return await ErrorAsync(ValidOrNull(topic), FeedErrorCodes.UnknownType, $"unknown request type \"{Shorten(request.Type)}\"").ConfigureAwait(false);
        }

        if (!FeedRequest.IsValidTopic(request.Topic))
        {
            return await ErrorAsync(null, FeedErrorCodes.BadRequest, $"a topic name has 1 to {FeedHub.MaxTopicLength.ToString(CultureInfo.InvariantCulture)} characters and no control characters").ConfigureAwait(false);
        }

        return request.Type == "subscribe"
            ? await SubscribeAsync(request.Topic, request.Since, request.Epoch, byPath: false).ConfigureAwait(false)
            : await UnsubscribeAsync(request.Topic).ConfigureAwait(false);
    }

    /// <summary>The subscription of a connection whose path names a topic; <c>since</c> and <c>epoch</c> come from the query string.</summary>
    private async ValueTask<bool> SubscribeByPathAsync(string topic)
    {
        if (!FeedRequest.IsValidTopic(topic))
        {
            return await ErrorAsync(null, FeedErrorCodes.BadRequest, "the path does not name a valid topic").ConfigureAwait(false);
        }

        string? sinceText = QueryValue("since");
        long? since = null;
        if (sinceText is not null)
        {
            if (!long.TryParse(sinceText, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return await ErrorAsync(topic, FeedErrorCodes.BadRequest, "\"since\" must be a whole number of 0 or more").ConfigureAwait(false);
            }

            since = value;
        }

        string? epoch = QueryValue("epoch");
        if (epoch is { Length: > FeedRequest.MaxEpochLength })
        {
            return await ErrorAsync(topic, FeedErrorCodes.BadRequest, "\"epoch\" is too long").ConfigureAwait(false);
        }

        return await SubscribeAsync(topic, since, epoch, byPath: true).ConfigureAwait(false);
    }

    private async ValueTask<bool> SubscribeAsync(string name, long? since, string? epoch, bool byPath)
    {
        if (_subscriptions.TryGetValue(name, out TopicSubscriber? existing) && existing.IsActive)
        {
            return await ErrorAsync(name, FeedErrorCodes.AlreadySubscribed, "already subscribed to this topic").ConfigureAwait(false);
        }

        if (ActiveCount() >= _options.MaxTopicsPerConnection)
        {
            return await ErrorAsync(name, FeedErrorCodes.TooManyTopics, $"at most {_options.MaxTopicsPerConnection.ToString(CultureInfo.InvariantCulture)} topics per connection").ConfigureAwait(false);
        }

        var context = new SubscribeContext(_connection, _user, name, since, byPath);
        SubscribeDecision decision = await DecideAsync(_options.Authorize, context).ConfigureAwait(false);
        if (!decision.IsAllowed)
        {
            return await ErrorAsync(name, FeedErrorCodes.Forbidden, decision.Message).ConfigureAwait(false);
        }

        if (!_hub.TryGetTopic(name, out FeedTopic? topic))
        {
            return await ErrorAsync(name, FeedErrorCodes.UnknownTopic, "no such topic").ConfigureAwait(false);
        }

        SubscribeDecision topicDecision = await DecideAsync(topic.Authorize, context).ConfigureAwait(false);
        if (!topicDecision.IsAllowed)
        {
            return await ErrorAsync(name, FeedErrorCodes.Forbidden, topicDecision.Message).ConfigureAwait(false);
        }

        FlowPolicy policy = topicDecision.FlowPolicy ?? decision.FlowPolicy ?? topic.FlowPolicy;
        TopicSubscriber? subscriber = topic.Attach(_outlet, policy, since, epoch, _cancellationToken);
        if (subscriber is null)
        {
            return await ErrorAsync(name, FeedErrorCodes.UnknownTopic, "no such topic").ConfigureAwait(false);
        }

        _subscriptions[name] = subscriber;
        return true;
    }

    private async ValueTask<bool> UnsubscribeAsync(string name)
    {
        if (!_subscriptions.Remove(name, out TopicSubscriber? subscriber) || !subscriber.IsActive)
        {
            return await ErrorAsync(name, FeedErrorCodes.NotSubscribed, "not subscribed to this topic").ConfigureAwait(false);
        }

        subscriber.Topic.Unsubscribe(subscriber);
        return true;
    }

    /// <summary>Runs a hook; a hook that throws refuses (fail closed), and the exception is logged.</summary>
    private async ValueTask<SubscribeDecision> DecideAsync(Func<SubscribeContext, CancellationToken, ValueTask<SubscribeDecision>>? hook, SubscribeContext context)
    {
        if (hook is null)
        {
            return SubscribeDecision.Allowed;
        }

        try
        {
            return await hook(context, _cancellationToken).ConfigureAwait(false) ?? SubscribeDecision.Deny("authorization failed");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_cancellationToken.IsCancellationRequested)
        {
            FeedLog.AuthorizeFailed(_logger, _connection.Id, context.Topic, ex);
            return SubscribeDecision.Deny("authorization failed");
        }
    }

    /// <summary>Answers with an <c>error</c> envelope; false (after closing with 1008) once the connection caused too many.</summary>
    private async ValueTask<bool> ErrorAsync(string? topic, string code, string message)
    {
        _errors++;
        await _outlet.SendAsync(Envelopes.Error(topic, code, message), _cancellationToken).ConfigureAwait(false);
        if (_errors < _options.MaxErrorsPerConnection)
        {
            return true;
        }

        FeedLog.TooManyErrors(_logger, _connection.Id, _errors);
        await _connection.CloseAsync(CloseCode.PolicyViolation, "too many feed errors", _cancellationToken).ConfigureAwait(false);
        return false;
    }

    private int ActiveCount()
    {
        int count = 0;
        foreach (TopicSubscriber subscriber in _subscriptions.Values)
        {
            if (subscriber.IsActive)
            {
                count++;
            }
        }

        return count;
    }

    private string? QueryValue(string name)
    {
        string query = _connection.Request?.Query ?? string.Empty;
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? pair : pair[..equals];
            if (key == name)
            {
                return Uri.UnescapeDataString(equals < 0 ? string.Empty : pair[(equals + 1)..]);
            }
        }

        return null;
    }

    private static string? ValidOrNull(string? topic) => FeedRequest.IsValidTopic(topic) ? topic : null;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
