using System;
using System.Globalization;
using System.Net;

namespace RxSockets;

/// <summary>
/// The proxy named by the environment, read the way curl, python and .NET's own HTTP stack read it:
/// <c>https_proxy</c> for secure targets, <c>http_proxy</c> for plain ones, then <c>all_proxy</c>;
/// the lower-case name wins over the upper-case one; <c>HTTP_PROXY</c> is ignored in a CGI script
/// (<c>REQUEST_METHOD</c> set), where a request header could have set it ("httpoxy"). Hosts listed
/// in <c>no_proxy</c> go direct. A value without a scheme is an <c>http://</c> proxy.
/// </summary>
/// <remarks>Immutable; the variables are read when it is created.</remarks>
internal sealed class EnvironmentProxy : IWebProxy
{
    private readonly Uri? _http;
    private readonly Uri? _https;
    private readonly string[] _noProxy;

    /// <summary>Reads the variables through <paramref name="environment"/>.</summary>
    /// <param name="environment">Returns a variable's value, or null when it is unset.</param>
    public EnvironmentProxy(Func<string, string?> environment)
    {
        Uri? all = Parse(Read(environment, "all_proxy", "ALL_PROXY"));
        bool cgi = !string.IsNullOrEmpty(environment("REQUEST_METHOD"));
        _http = Parse(cgi ? environment("http_proxy") : Read(environment, "http_proxy", "HTTP_PROXY")) ?? all;
        _https = Parse(Read(environment, "https_proxy", "HTTPS_PROXY")) ?? all;
        _noProxy = (Read(environment, "no_proxy", "NO_PROXY") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The process's environment, read now.</summary>
    public static EnvironmentProxy FromProcess() => new(Environment.GetEnvironmentVariable);

    /// <summary>Not used: credentials come from the proxy URIs' user info.</summary>
    public ICredentials? Credentials { get; set; }

    /// <summary>The proxy for <paramref name="destination"/> (an http:// or https:// form of the target), or null to go direct.</summary>
    /// <param name="destination">The target, with scheme <c>https</c> when it is secure.</param>
    /// <returns>The proxy, possibly with user info, or null.</returns>
    public Uri? GetProxy(Uri destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (IsBypassed(destination))
        {
            return null;
        }

        return destination.Scheme is "https" or "wss" ? _https : _http;
    }

    /// <summary>Whether <paramref name="host"/> is listed in <c>no_proxy</c>.</summary>
    /// <param name="host">The target.</param>
    /// <returns>True to connect directly.</returns>
    public bool IsBypassed(Uri host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string name = host.IdnHost.Trim('[', ']');
        foreach (string entry in _noProxy)
        {
            if (entry == "*")
            {
                return true;
            }

            (string pattern, int? port) = SplitPort(entry);
            if (port is int p && p != host.Port)
            {
                continue;
            }

            pattern = pattern.Trim('[', ']').TrimStart('*').TrimStart('.');
            if (pattern.Length == 0)
            {
                continue;
            }

            if (string.Equals(name, pattern, StringComparison.OrdinalIgnoreCase)
                || (!IPAddress.TryParse(pattern, out _) && name.EndsWith("." + pattern, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Read(Func<string, string?> environment, string lower, string upper)
    {
        string? value = environment(lower);
        return string.IsNullOrWhiteSpace(value) ? environment(upper) : value;
    }

    private static Uri? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (!value.Contains("://", StringComparison.Ordinal))
        {
            value = "http://" + value;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) ? uri : null;
    }

    /// <summary>Splits "host:port" (or "[v6]:port"); a bare IPv6 address has no port.</summary>
    private static (string Host, int? Port) SplitPort(string entry)
    {
        int colon = entry.LastIndexOf(':');
        bool bracketed = entry.StartsWith('[');
        if (colon > 0 && (bracketed ? entry[colon - 1] == ']' : entry.IndexOf(':') == colon)
            && int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return (entry[..colon], port);
        }

        return (entry, null);
    }
}
