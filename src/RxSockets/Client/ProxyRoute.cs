using System;
using System.Net;

namespace RxSockets;

/// <summary>The kind of proxy a connection goes through.</summary>
internal enum ProxyKind
{
    /// <summary>An HTTP proxy: <c>CONNECT host:port</c> opens the tunnel.</summary>
    Http,

    /// <summary>SOCKS5 with the host name resolved here (<c>socks5://</c>).</summary>
    Socks5,

    /// <summary>SOCKS5 with the host name resolved by the proxy (<c>socks5h://</c>).</summary>
    Socks5RemoteDns,
}

/// <summary>
/// Which proxy, if any, a connection to a target goes through, with its credentials: from an
/// explicit <see cref="WebSocketClientOptions.Proxy"/> or from the environment.
/// </summary>
/// <param name="Address">The proxy's scheme, host and port, without user info.</param>
/// <param name="Kind">HTTP or SOCKS5.</param>
/// <param name="Credentials">User name and password for the proxy, if any.</param>
internal sealed record ProxyRoute(Uri Address, ProxyKind Kind, NetworkCredential? Credentials)
{
    /// <summary>The proxy for <paramref name="target"/> under <paramref name="options"/>, or null to connect directly.</summary>
    /// <param name="target">A ws:// or wss:// URI.</param>
    /// <param name="options">The client's settings.</param>
    /// <param name="environment">Reads the environment when no proxy is set; null for the process's.</param>
    /// <returns>The route, or null.</returns>
    /// <exception cref="HandshakeException">The proxy's scheme is not http, socks5 or socks5h.</exception>
    public static ProxyRoute? Select(Uri target, WebSocketClientOptions options, Func<string, string?>? environment = null)
    {
        if (!options.UseProxy)
        {
            return null;
        }

        IWebProxy proxy = options.Proxy ?? (environment is null ? EnvironmentProxy.FromProcess() : new EnvironmentProxy(environment));

        // IWebProxy speaks HTTP: a secure target is asked about as https://, a plain one as http://.
        var destination = new UriBuilder(target) { Scheme = target.Scheme == "wss" ? "https" : "http", Port = target.Port }.Uri;
        if (proxy.IsBypassed(destination) || proxy.GetProxy(destination) is not Uri address || address == destination)
        {
            return null;
        }

        ProxyKind kind = address.Scheme.ToLowerInvariant() switch
        {
            "http" => ProxyKind.Http,
            "socks5" => ProxyKind.Socks5,
            "socks5h" => ProxyKind.Socks5RemoteDns,
            _ => throw new HandshakeException(
                $"Unsupported proxy scheme '{address.Scheme}' in {address.GetLeftPart(UriPartial.Authority)}: use http://, socks5:// or socks5h://.",
                HandshakeFailure.Proxy),
        };

        NetworkCredential? credentials = null;
        if (address.UserInfo.Length > 0)
        {
            string[] parts = address.UserInfo.Split(':', 2);
            credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
        }
        else
        {
            credentials = proxy.Credentials?.GetCredential(address, "Basic");
        }

        int port = address.IsDefaultPort && kind != ProxyKind.Http ? 1080 : address.Port;
        var bare = new UriBuilder(address) { UserName = string.Empty, Password = string.Empty, Port = port, Path = string.Empty }.Uri;
        return new ProxyRoute(bare, kind, credentials);
    }
}
