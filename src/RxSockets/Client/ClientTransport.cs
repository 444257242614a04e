using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Opens the byte stream of a client connection: TCP to the server, or to a proxy and through its
/// tunnel (HTTP <c>CONNECT</c> or SOCKS5), then TLS for <c>wss://</c> (inside the tunnel, end to end
/// with the server). Failures are <see cref="HandshakeException"/>s of the right
/// <see cref="HandshakeFailure"/>, except cancellation.
/// </summary>
internal static class ClientTransport
{
    /// <summary>Connects to <paramref name="uri"/> as <paramref name="options"/> say.</summary>
    /// <param name="uri">The ws:// or wss:// target (without user info).</param>
    /// <param name="options">Proxy and TLS settings.</param>
    /// <param name="cancellationToken">Cancels (the open timeout included).</param>
    /// <returns>The transport, ready for the HTTP upgrade request.</returns>
    public static async Task<StreamTransport> OpenAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        ProxyRoute? proxy = ProxyRoute.Select(uri, options);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await ConnectSocketAsync(socket, proxy, uri, cancellationToken).ConfigureAwait(false);
            socket.NoDelay = true;
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (proxy is not null)
            {
                await TunnelAsync(stream, proxy, uri, options, cancellationToken).ConfigureAwait(false);
            }

            if (uri.Scheme == "wss")
            {
                stream = await AuthenticateAsync(stream, uri, options.Tls, cancellationToken).ConfigureAwait(false);
            }

            return new StreamTransport(stream, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        static async Task ConnectSocketAsync(Socket socket, ProxyRoute? proxy, Uri uri, CancellationToken cancellationToken)
        {
            (string host, int port) = proxy is null ? (uri.DnsSafeHost, uri.Port) : (proxy.Address.DnsSafeHost, proxy.Address.Port);
            try
            {
                await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex) when (proxy is not null)
            {
                throw new HandshakeException($"Could not connect to the proxy {proxy.Address.Authority}: {ex.Message}", HandshakeFailure.Network, ex);
            }
        }
    }

    private static Task TunnelAsync(Stream stream, ProxyRoute proxy, Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        if (proxy.Kind == ProxyKind.Http)
        {
            string authority = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.DnsSafeHost}]:{uri.Port}" : $"{uri.IdnHost}:{uri.Port}";
            return HttpConnectTunnel.EstablishAsync(stream, proxy.Address, authority, proxy.Credentials, options.UserAgent, options.Limits, cancellationToken);
        }

        return Socks5Tunnel.EstablishAsync(stream, proxy.Address, uri.IdnHost.Trim('[', ']'), uri.Port, proxy.Kind == ProxyKind.Socks5RemoteDns, proxy.Credentials, cancellationToken);
    }

    private static async Task<Stream> AuthenticateAsync(Stream stream, Uri uri, SslClientAuthenticationOptions? tlsOptions, CancellationToken cancellationToken)
    {
        var probe = new FirstByteProbe(stream);
        var tls = new SslStream(probe, leaveInnerStreamOpen: false);
        SslClientAuthenticationOptions settings = tlsOptions is null ? new() : Copy(tlsOptions);
        settings.TargetHost ??= uri.IdnHost;
        var check = new CertificateCheck(settings.RemoteCertificateValidationCallback, settings.TargetHost);
        settings.RemoteCertificateValidationCallback = check.Validate;
        try
        {
            await tls.AuthenticateAsClientAsync(settings, cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException && probe.ServerAnsweredWithoutTls)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new HandshakeException(
                $"The server at {uri.Authority} did not answer with TLS (its first byte was 0x{probe.FirstByte:x2}{(probe.FirstByte == 'H' ? ", the start of an HTTP response" : string.Empty)}): it is probably a plain ws:// server. Connect with ws://, or enable TLS on the server.",
                HandshakeFailure.Tls,
                ex);
        }
        catch (AuthenticationException ex) when (check.Problem is not null)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new HandshakeException(
                $"{check.Problem} To trust a test certificate, set WebSocketClientOptions.Tls.CertificateChainPolicy (TrustMode = CustomRootTrust, with the certificate in CustomTrustStore) or a RemoteCertificateValidationCallback.",
                HandshakeFailure.Certificate,
                ex);
        }
        catch (AuthenticationException ex)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new HandshakeException(
                $"TLS with {uri.Authority} could not be negotiated: {ex.Message} (protocols allowed here: {(settings.EnabledSslProtocols == SslProtocols.None ? "the system's default" : settings.EnabledSslProtocols.ToString())}).",
                HandshakeFailure.Tls,
                ex);
        }
    }

    /// <summary>A copy, so the caller's options object is not changed when the target host and the validation callback are filled in.</summary>
    private static SslClientAuthenticationOptions Copy(SslClientAuthenticationOptions o) => new()
    {
        TargetHost = o.TargetHost,
        RemoteCertificateValidationCallback = o.RemoteCertificateValidationCallback,
        LocalCertificateSelectionCallback = o.LocalCertificateSelectionCallback,
        ClientCertificates = o.ClientCertificates,
        ClientCertificateContext = o.ClientCertificateContext,
        EnabledSslProtocols = o.EnabledSslProtocols,
        CertificateRevocationCheckMode = o.CertificateRevocationCheckMode,
        CertificateChainPolicy = o.CertificateChainPolicy,
        EncryptionPolicy = o.EncryptionPolicy,
        AllowRenegotiation = o.AllowRenegotiation,
        AllowTlsResume = o.AllowTlsResume,
        ApplicationProtocols = o.ApplicationProtocols,
        CipherSuitesPolicy = o.CipherSuitesPolicy,
    };
}
