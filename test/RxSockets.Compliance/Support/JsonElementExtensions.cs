using System.Text.Json;

namespace RxSockets.Compliance;

/// <summary>Reading the peers' JSON events.</summary>
public static class JsonElementExtensions
{
    /// <summary>Whether the object has a string <paramref name="property"/> equal to <paramref name="value"/>.</summary>
    /// <param name="e">The event.</param>
    /// <param name="property">The property name.</param>
    /// <param name="value">The expected value.</param>
    /// <returns>Whether it matches.</returns>
    public static bool Is(this JsonElement e, string property, string value) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out JsonElement p) && p.ValueKind == JsonValueKind.String && p.GetString() == value;

    /// <summary>A string property, or null when it is missing or null.</summary>
    /// <param name="e">The event.</param>
    /// <param name="property">The property name.</param>
    /// <returns>The value.</returns>
    public static string? Text(this JsonElement e, string property) =>
        e.TryGetProperty(property, out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    /// <summary>A close status property (<c>{"code": N, "reason": "..."}</c>) as "N reason", or null.</summary>
    /// <param name="e">The event.</param>
    /// <param name="property">"rcvd" or "sent".</param>
    /// <returns>For example "4001 bye".</returns>
    public static string? Close(this JsonElement e, string property) =>
        e.TryGetProperty(property, out JsonElement p) && p.ValueKind == JsonValueKind.Object
            ? $"{p.GetProperty("code").GetInt32()} {p.GetProperty("reason").GetString()}"
            : null;
}
