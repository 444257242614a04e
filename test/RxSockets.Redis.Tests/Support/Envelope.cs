using System.Text.Json;

namespace RxSockets.Redis.Tests;

/// <summary>A server message of the feed protocol as a test reads it.</summary>
public sealed record Envelope(string Type, string? Topic, long Seq, string? Data, string? Epoch, string? Reason, string Text)
{
    public static Envelope Parse(string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement root = document.RootElement;
        return new Envelope(
            root.GetProperty("type").GetString()!,
            String(root, "topic"),
            root.TryGetProperty("seq", out JsonElement seq) ? seq.GetInt64() : 0,
            root.TryGetProperty("data", out JsonElement data) ? (data.ValueKind == JsonValueKind.String ? data.GetString() : data.GetRawText()) : null,
            String(root, "epoch"),
            String(root, "reason"),
            text);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
