using System.Text.Json;

namespace RxSockets.Feeds.Tests;

/// <summary>A server message of the feed protocol as a test reads it: every field it may have.</summary>
public sealed record Envelope(string Type, string? Topic, long Seq, string? Key, string? Data, string? Epoch, string? Reason, string? Code, string? Text, bool Binary)
{
    /// <summary>Parses a text message (throws if it is not an envelope).</summary>
    public static Envelope Parse(string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement root = document.RootElement;
        return new Envelope(
            root.GetProperty("type").GetString()!,
            String(root, "topic"),
            root.TryGetProperty("seq", out JsonElement seq) ? seq.GetInt64() : 0,
            String(root, "key"),
            root.TryGetProperty("data", out JsonElement data) ? (data.ValueKind == JsonValueKind.String ? data.GetString() : data.GetRawText()) : null,
            String(root, "epoch"),
            String(root, "reason"),
            String(root, "code"),
            text,
            root.TryGetProperty("binary", out JsonElement binary) && binary.GetBoolean());
    }

    /// <summary>Parses a received message.</summary>
    public static Envelope Parse(Message message) => Parse(message.Text);

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
