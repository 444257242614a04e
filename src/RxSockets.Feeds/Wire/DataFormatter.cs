using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets;

/// <summary>Writes the <c>data</c> of one value into a data envelope and tells its key.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal abstract class DataFormatter<T>
{
    /// <summary>The key of <paramref name="value"/> on a keyed topic, else <see langword="null"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The key.</returns>
    public abstract string? KeyOf(T value);

    /// <summary>Whether <paramref name="value"/> goes as base64 with <c>"binary":true</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether it is binary.</returns>
    public virtual bool IsBinary(T value) => false;

    /// <summary>Writes <paramref name="value"/> as the <c>data</c> property's value.</summary>
    /// <param name="writer">The writer, positioned after the property name.</param>
    /// <param name="value">The value.</param>
    public abstract void WriteData(Utf8JsonWriter writer, T value);
}

/// <summary>Typed values through their <see cref="JsonTypeInfo{T}"/> (source-generated contexts work; no reflection).</summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class JsonDataFormatter<T>(JsonTypeInfo<T> typeInfo, Func<T, string?>? key) : DataFormatter<T>
{
    /// <inheritdoc/>
    public override string? KeyOf(T value) => key?.Invoke(value);

    /// <inheritdoc/>
    public override void WriteData(Utf8JsonWriter writer, T value) => JsonSerializer.Serialize(writer, value, typeInfo);
}

/// <summary><see cref="Message"/> values: text as a JSON string, binary as a base64 string.</summary>
internal sealed class MessageDataFormatter(Func<Message, string?>? key) : DataFormatter<Message>
{
    /// <inheritdoc/>
    public override string? KeyOf(Message value) => key?.Invoke(value);

    /// <inheritdoc/>
    public override bool IsBinary(Message value) => !value.IsText;

    /// <inheritdoc/>
    public override void WriteData(Utf8JsonWriter writer, Message value)
    {
        if (value.IsText)
        {
            writer.WriteStringValue(value.Text);
        }
        else
        {
            writer.WriteBase64StringValue(value.Data.Span);
        }
    }
}
