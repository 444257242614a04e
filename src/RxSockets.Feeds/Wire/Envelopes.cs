using System;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RxSockets;

/// <summary>
/// Writes the feed protocol's server messages (docs/feeds.md, "Wire protocol"): data envelopes into
/// a reusable buffer (one writer per topic, under its lock), control envelopes one at a time.
/// </summary>
/// <remarks>
/// Field order is fixed (<c>type</c>, <c>topic</c>, then the rest) so that a reader can dispatch on
/// the first field; readers must not depend on it. Not thread-safe.
/// </remarks>
internal sealed class Envelopes : IDisposable
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = false, SkipValidation = false };

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;
    /// <summary><c>{"type":"data","topic":…,"seq":</c>, the start of every data envelope of the topic.</summary>
    private readonly string _dataPrefix;

    /// <summary>Creates the writer of one topic's data envelopes.</summary>
    /// <param name="topic">The topic name.</param>
    public Envelopes(string topic)
    {
        _dataPrefix = "{\"type\":\"data\",\"topic\":\"" + JsonEncodedText.Encode(topic).ToString() + "\",\"seq\":";
        _writer = new Utf8JsonWriter(_buffer, s_writerOptions);
    }

    /// <summary>Releases the writer (the topic was removed; nothing is published any more).</summary>
    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// The body of a message, <c>{["key":…,]["binary":true,]"data":…}</c>: what a backplane carries
    /// and stores. <see cref="Data"/> makes the data envelope of it once the sequence number is known.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key, or <see langword="null"/>.</param>
    /// <param name="value">The value.</param>
    /// <param name="formatter">Writes the value.</param>
    /// <returns>The body.</returns>
    public string Body<T>(string? key, T value, DataFormatter<T> formatter)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        if (key is not null)
        {
            _writer.WriteString("key"u8, key);
        }

        if (formatter.IsBinary(value))
        {
            _writer.WriteBoolean("binary"u8, true);
        }

        _writer.WritePropertyName("data"u8);
        formatter.WriteData(_writer, value);
        _writer.WriteEndObject();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    /// <summary>
    /// The data envelope <c>{"type":"data","topic":…,"seq":…,["key":…,]["binary":true,]"data":…}</c>
    /// of a body (<see cref="Body"/>), framed once: the body's fields follow the sequence number.
    /// </summary>
    /// <param name="seq">The sequence number.</param>
    /// <param name="body">The body, a JSON object.</param>
    /// <returns>The frame.</returns>
    public PreparedMessage Data(long seq, string body)
    {
        Span<char> digits = stackalloc char[20];
        seq.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        ReadOnlySpan<char> fields = body.AsSpan(1); // past the body's '{': its fields and its '}'
        return new PreparedMessage(Message.FromText(string.Concat(_dataPrefix, digits[..length], fields.Length > 1 ? "," : "", fields)));
    }

    /// <summary><c>{"type":"subscribed","topic":…,"epoch":…,"seq":…}</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="epoch">The topic's epoch.</param>
    /// <param name="seq">The topic's newest sequence number.</param>
    /// <returns>The frame.</returns>
    public static PreparedMessage Subscribed(string topic, string epoch, long seq) => Control(topic, "subscribed", w =>
    {
        w.WriteString("epoch"u8, epoch);
        w.WriteNumber("seq"u8, seq);
    });

    /// <summary><c>{"type":"reset","topic":…,"reason":…[,"epoch":…]}</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="reason"><c>history</c> or <c>epoch</c>.</param>
    /// <param name="epoch">The topic's new epoch, when it changed during the subscription; otherwise <see langword="null"/>.</param>
    /// <returns>The frame.</returns>
    public static PreparedMessage Reset(string topic, string reason, string? epoch = null) => Control(topic, "reset", w =>
    {
        w.WriteString("reason"u8, reason);
        if (epoch is not null)
        {
            w.WriteString("epoch"u8, epoch);
        }
    });

    /// <summary><c>{"type":"unsubscribed","topic":…,"reason":…}</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="reason"><c>requested</c>, <c>completed</c>, <c>failed</c> or <c>removed</c>.</param>
    /// <returns>The frame.</returns>
    public static PreparedMessage Unsubscribed(string topic, string reason) => Control(topic, "unsubscribed", w => w.WriteString("reason"u8, reason));

    /// <summary><c>{"type":"error",["topic":…,]"code":…,"message":…}</c>.</summary>
    /// <param name="topic">The topic the request named, or <see langword="null"/>.</param>
    /// <param name="code">One of <see cref="FeedErrorCodes"/>.</param>
    /// <param name="message">A human-readable explanation.</param>
    /// <returns>The message.</returns>
    public static Message Error(string? topic, string code, string message) => Control(topic, "error", w =>
    {
        w.WriteString("code"u8, code);
        w.WriteString("message"u8, message);
    }).Message;

    private static PreparedMessage Control(string? topic, string type, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            if (topic is not null)
            {
                writer.WriteString("topic"u8, topic);
            }

            write(writer);
            writer.WriteEndObject();
        }

        return new PreparedMessage(Message.FromText(Encoding.UTF8.GetString(buffer.WrittenSpan)));
    }
}
