using System;
using System.Text.Json;

namespace RxSockets;

/// <summary>
/// One client request of the feed protocol: <c>{"type":"subscribe","topic":…[,"since":N,"epoch":…]}</c>
/// or <c>{"type":"unsubscribe","topic":…}</c>. Unknown fields are ignored.
/// </summary>
/// <param name="Type">The <c>type</c> field.</param>
/// <param name="Topic">The <c>topic</c> field.</param>
/// <param name="Since">The <c>since</c> field, when present.</param>
/// <param name="Epoch">The <c>epoch</c> field, when present.</param>
internal readonly record struct FeedRequest(string Type, string Topic, long? Since, string? Epoch)
{
    /// <summary>The longest epoch a client may send back (ours are 8 characters).</summary>
    public const int MaxEpochLength = 64;

    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses a request; on failure <paramref name="error"/> says what is wrong and <paramref name="topic"/> holds the topic if one could be read.</summary>
    /// <param name="text">The text of the message.</param>
    /// <param name="request">The request.</param>
    /// <param name="topic">The topic field, when it was a string (also on failure).</param>
    /// <param name="error">What is wrong, or <see langword="null"/>.</param>
    /// <returns>Whether it is a well-formed request (its type may still be unknown).</returns>
    public static bool TryParse(string text, out FeedRequest request, out string? topic, out string? error)
    {
        request = default;
        topic = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, s_options);
        }
        catch (JsonException)
        {
            error = "the request is not valid JSON";
            return false;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the request is not a JSON object";
                return false;
            }

            if (root.TryGetProperty("topic"u8, out JsonElement topicElement) && topicElement.ValueKind == JsonValueKind.String)
            {
                topic = topicElement.GetString();
            }

            if (!root.TryGetProperty("type"u8, out JsonElement typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                error = "\"type\" is missing or not a string";
                return false;
            }

            if (topic is null)
            {
                error = "\"topic\" is missing or not a string";
                return false;
            }

            long? since = null;
            if (root.TryGetProperty("since"u8, out JsonElement sinceElement) && sinceElement.ValueKind != JsonValueKind.Null)
            {
                if (sinceElement.ValueKind != JsonValueKind.Number || !sinceElement.TryGetInt64(out long value) || value < 0)
                {
                    error = "\"since\" must be a whole number of 0 or more";
                    return false;
                }

                since = value;
            }

            string? epoch = null;
            if (root.TryGetProperty("epoch"u8, out JsonElement epochElement) && epochElement.ValueKind != JsonValueKind.Null)
            {
                if (epochElement.ValueKind != JsonValueKind.String || epochElement.GetString() is not { Length: <= MaxEpochLength } e)
                {
                    error = $"\"epoch\" must be a string of at most {MaxEpochLength} characters";
                    return false;
                }

                epoch = e;
            }

            request = new FeedRequest(typeElement.GetString()!, topic, since, epoch);
            error = null;
            return true;
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid topic name: 1–200 characters, none of them a control character.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidTopic(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > FeedHub.MaxTopicLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
