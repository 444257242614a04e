using System;
using System.Collections.Generic;
using System.Linq;

namespace RxSockets.Protocol;

/// <summary>
/// Which <c>Origin</c> headers a server accepts: the defence against cross-site WebSocket hijacking
/// (RFC 6455 §10.2). Browsers always send <c>Origin</c>; other clients usually do not.
/// </summary>
/// <remarks>
/// Patterns are compared case-insensitively (RFC 6454 §6.1 serializes origins in lower case) and are
/// either exact origins (<c>https://app.example.com</c>) or have one <c>*</c> that stands for any
/// run of characters other than '/' (<c>https://*.example.com</c>, <c>http://localhost:*</c>).
/// Immutable and thread-safe.
/// </remarks>
public sealed class OriginPolicy
{
    private readonly string[] _patterns;

    /// <summary>Creates a policy.</summary>
    /// <param name="allowedOrigins">The accepted origins or patterns.</param>
    /// <param name="allowMissing">Whether a request without <c>Origin</c> (a non-browser client) is accepted. Default true.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allowedOrigins"/> is null.</exception>
    /// <exception cref="ArgumentException">A pattern is empty or has more than one <c>*</c>.</exception>
    public OriginPolicy(IEnumerable<string> allowedOrigins, bool allowMissing = true)
    {
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        _patterns = [.. allowedOrigins];
        foreach (string pattern in _patterns)
        {
            if (string.IsNullOrWhiteSpace(pattern) || pattern.Count(c => c == '*') > 1)
            {
                throw new ArgumentException($"Invalid origin pattern \"{pattern}\": use an exact origin or one '*'.", nameof(allowedOrigins));
            }
        }

        AllowMissing = allowMissing;
    }

    /// <summary>The accepted origins or patterns.</summary>
    public IReadOnlyList<string> AllowedOrigins => _patterns;

    /// <summary>Whether a request without <c>Origin</c> is accepted.</summary>
    public bool AllowMissing { get; }

    /// <summary>Whether a request with this <c>Origin</c> header (or none) is accepted.</summary>
    /// <param name="origin">The header's value, or <see langword="null"/> when absent.</param>
    /// <returns><see langword="true"/> when allowed.</returns>
    public bool IsAllowed(string? origin)
    {
        if (origin is null)
        {
            return AllowMissing;
        }

        foreach (string pattern in _patterns)
        {
            if (Matches(pattern, origin))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string pattern, string origin)
    {
        int star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, origin, StringComparison.OrdinalIgnoreCase);
        }

        string prefix = pattern[..star];
        string suffix = pattern[(star + 1)..];
        if (origin.Length < prefix.Length + suffix.Length + 1
            || !origin.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            || !origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        ReadOnlySpan<char> wildcard = origin.AsSpan(prefix.Length, origin.Length - prefix.Length - suffix.Length);
        return !wildcard.Contains('/');
    }
}
