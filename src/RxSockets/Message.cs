using System;
using System.Text;

namespace RxSockets;

/// <summary>
/// One complete WebSocket message: text or binary. The unit that flows through a connection's
/// <see cref="IObservable{T}"/> and <see cref="IObserver{T}"/> surfaces.
/// </summary>
/// <remarks>
/// A small immutable value: a received message owns its payload (no pooled buffer ever crosses the
/// Rx boundary), so an observer may keep it after <c>OnNext</c> returns. Thread-safe.
/// Strings convert implicitly to text messages and byte arrays to binary messages.
/// </remarks>
public readonly struct Message : IEquatable<Message>
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _data;

    private Message(MessageType type, string? text, ReadOnlyMemory<byte> data, bool disableCompression = false)
    {
        Type = type;
        _text = text;
        _data = data;
        DisableCompression = disableCompression;
    }

    /// <summary>Whether the message is text or binary.</summary>
    public MessageType Type { get; }

    /// <summary>
    /// Whether this message is sent uncompressed even when permessage-deflate was negotiated; set
    /// with <see cref="WithoutCompression"/>. Ignored by equality. Received messages say false.
    /// </summary>
    public bool DisableCompression { get; }

    /// <summary>Whether this is a text message.</summary>
    public bool IsText => Type == MessageType.Text;

    /// <summary>The text of a text message, or the binary payload decoded as UTF-8 (lossy) for a binary message.</summary>
    public string Text => _text ?? (_data.IsEmpty ? string.Empty : Encoding.UTF8.GetString(_data.Span));

    /// <summary>The payload: the bytes of a binary message, or the UTF-8 encoding of a text message (allocated on each call for text).</summary>
    public ReadOnlyMemory<byte> Data => _text is null ? _data : Encoding.UTF8.GetBytes(_text);

    /// <summary>Creates a text message.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static Message FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Message(MessageType.Text, text, default);
    }

    /// <summary>Creates a binary message. The memory is not copied: do not change it until the message is sent.</summary>
    /// <param name="data">The payload.</param>
    /// <returns>The message.</returns>
    public static Message FromBinary(ReadOnlyMemory<byte> data) => new(MessageType.Binary, null, data);

    /// <summary>
    /// A copy of this message that is sent uncompressed even when permessage-deflate was negotiated:
    /// for secrets that share a connection with attacker-controlled data (CRIME/BREACH), or data
    /// that is already compressed.
    /// </summary>
    /// <returns>The copy.</returns>
    public Message WithoutCompression() => new(Type, _text, _data, disableCompression: true);

    /// <summary>Converts a string to a text message.</summary>
    /// <param name="text">The text.</param>
    public static implicit operator Message(string text) => FromText(text);

    /// <summary>Converts a byte array to a binary message.</summary>
    /// <param name="data">The payload.</param>
    public static implicit operator Message(byte[] data) => FromBinary(data);

    /// <summary>Compares two messages by type and content.</summary>
    /// <param name="left">A message.</param>
    /// <param name="right">Another message.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(Message left, Message right) => left.Equals(right);

    /// <summary>Compares two messages by type and content.</summary>
    /// <param name="left">A message.</param>
    /// <param name="right">Another message.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(Message left, Message right) => !left.Equals(right);

    /// <summary>Same as <see cref="FromText(string)"/>, for languages without implicit conversions.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The message.</returns>
    public static Message ToMessage(string text) => FromText(text);

    /// <summary>Whether this message has the same type and content as <paramref name="other"/>.</summary>
    /// <param name="other">Another message.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(Message other) =>
        Type == other.Type && (Type == MessageType.Text ? Text == other.Text : _data.Span.SequenceEqual(other._data.Span));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Message other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Type == MessageType.Text ? HashCode.Combine(Type, Text) : HashCode.Combine(Type, _data.Length);

    /// <summary>A short description: the text (up to 75 characters) or the binary length.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Type == MessageType.Text
        ? (Text.Length <= 75 ? $"\"{Text}\"" : $"\"{Text[..72]}...\" ({Text.Length} chars)")
        : $"binary ({_data.Length} bytes)";

    /// <summary>The raw payload of a binary message, without conversion.</summary>
    internal ReadOnlyMemory<byte> BinaryData => _data;

    /// <summary>The text of a text message, without conversion.</summary>
    internal string? TextData => _text;
}
