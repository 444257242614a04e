using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets;

/// <summary>One item of a topic as a <see cref="FeedClient"/> delivers it: a message, or a reset notice.</summary>
/// <param name="Kind">A message or a reset notice.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Sequence">The message's sequence number in its topic (0 for a reset).</param>
/// <param name="Key">The message's key on a keyed topic, else <see langword="null"/>.</param>
/// <param name="Data">The message's JSON value (a string for a text <see cref="Message"/>); <c>default</c> for a reset.</param>
/// <param name="IsBinary">Whether <see cref="Data"/> is a binary message in base64 (see <see cref="GetBytes"/>).</param>
/// <param name="Reason">Why a reset happened (<c>history</c> or <c>epoch</c>); <see langword="null"/> for a message.</param>
public sealed record FeedItem(FeedItemKind Kind, string Topic, long Sequence, string? Key, JsonElement Data, bool IsBinary, string? Reason)
{
    /// <summary>Reads <see cref="Data"/> as a <typeparamref name="T"/> (source-generated type info works: no reflection).</summary>
    /// <typeparam name="T">The type the topic publishes.</typeparam>
    /// <param name="typeInfo">The type's JSON contract.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This is a reset notice, which carries no data.</exception>
    /// <exception cref="JsonException">The data is not a <typeparamref name="T"/>.</exception>
    public T? GetData<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ThrowIfReset();
        return Data.Deserialize(typeInfo);
    }

    /// <summary>The payload of a binary message (<see cref="IsBinary"/>), decoded from base64.</summary>
    /// <returns>The bytes.</returns>
    /// <exception cref="InvalidOperationException">This is a reset notice, or a message that is not binary.</exception>
    public byte[] GetBytes()
    {
        ThrowIfReset();
        return IsBinary ? Data.GetBytesFromBase64() : throw new InvalidOperationException($"The message {Sequence} of topic '{Topic}' is JSON, not binary: read it with {nameof(Data)} or {nameof(GetData)}.");
    }

    private void ThrowIfReset()
    {
        if (Kind == FeedItemKind.Reset)
        {
            throw new InvalidOperationException($"A reset notice of topic '{Topic}' carries no data.");
        }
    }
}
