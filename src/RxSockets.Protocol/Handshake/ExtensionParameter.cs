using System;

namespace RxSockets.Protocol;

/// <summary>
/// One parameter of a WebSocket extension in <c>Sec-WebSocket-Extensions</c>: a name and an optional
/// value, such as <c>client_max_window_bits</c> or <c>server_max_window_bits=10</c> (RFC 6455 §9.1,
/// RFC 7692 §7.1).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct ExtensionParameter
{
    /// <summary>Creates a parameter.</summary>
    /// <param name="name">The parameter name, a token.</param>
    /// <param name="value">
    /// The value, a token (RFC 6455 §9.1: even a quoted value must be a token once unescaped), or
    /// <see langword="null"/> for a parameter without a value.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="value"/> is not a token.</exception>
    public ExtensionParameter(string name, string? value = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!HttpSyntax.IsToken(name))
        {
            throw new ArgumentException("An extension parameter name must be a token (RFC 6455 §9.1).", nameof(name));
        }

        if (value is not null && !HttpSyntax.IsToken(value))
        {
            throw new ArgumentException("An extension parameter value must be a token (RFC 6455 §9.1).", nameof(value));
        }

        Name = name;
        Value = value;
    }

    /// <summary>The parameter name; <see langword="null"/> only in <c>default</c>.</summary>
    public string Name { get; }

    /// <summary>The value, or <see langword="null"/> when the parameter has none.</summary>
    public string? Value { get; }

    /// <summary>Returns the parameter as written in the header.</summary>
    /// <returns><c>name</c> or <c>name=value</c>.</returns>
    public override string ToString() => Value is null ? Name : $"{Name}={Value}";
}
