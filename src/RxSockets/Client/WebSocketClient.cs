using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>Opens client connections to <c>ws://</c> and <c>wss://</c> URIs.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class WebSocketClient
{
    /// <summary>Connects and performs the opening handshake within <see cref="WebSocketOptions.OpenTimeout"/>.</summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not an absolute ws:// or wss:// URI.</exception>
    /// <exception cref="HandshakeRejectedException">The server answered with an HTTP status other than 101.</exception>
    /// <exception cref="HandshakeException">The connection failed, timed out, or the response was invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException($"Expected an absolute ws:// or wss:// URI, got '{uri}'.", nameof(uri));
        }

        options ??= new WebSocketClientOptions();
        options.Validate();
        HttpHeaders? extra = null;
        if (options.Headers.Count > 0 || uri.UserInfo.Length > 0)
        {
            extra = new HttpHeaders();
            foreach (var header in options.Headers)
            {
                extra.Add(header.Key, header.Value);
            }

            // ws://user:password@host/ sends HTTP Basic credentials, as python websockets does.
            if (uri.UserInfo.Length > 0 && !extra.Contains("Authorization"))
            {
                string[] parts = uri.UserInfo.Split(':', 2);
                extra.Add("Authorization", BasicAuthentication.HeaderValue(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty));
            }
        }

        // The request itself never carries the user info (RFC 6455 §3); it became the Authorization header above.
        Uri target = uri.UserInfo.Length > 0 ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri : uri;
        var handshake = new ClientHandshake(target)
        {
            Origin = options.Origin,
            UserAgent = options.UserAgent,
            Subprotocols = options.Subprotocols,
            ExtraHeaders = extra,
            Compression = options.Compression,
        };

        using var timeout = new CancellationTokenSource(options.OpenTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        StreamTransport? transport = null;
        try
        {
            transport = await OpenTransportAsync(uri, options.Tls, linked.Token).ConfigureAwait(false);
            handshake.WriteRequest(transport.Output);
            await transport.Output.FlushAsync(linked.Token).ConfigureAwait(false);
            ClientHandshakeResult result = await ReadResponseAsync(transport, handshake, options, linked.Token).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw result.IsRejected
                    ? new HandshakeRejectedException(result.StatusCode, result.Response.ReasonPhrase, [.. result.Headers], result.Body)
                    : new HandshakeException($"Invalid handshake response from {uri}: {result.FailureReason}");
            }

            var connection = new WebSocketConnection(transport, ConnectionSide.Client, options, handshake.CreateRequest(), result.Subprotocol, result.Compression);
            connection.Start();
            transport = null; // owned by the connection now
            return connection;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HandshakeException($"Connecting to {uri} timed out after {options.OpenTimeout.TotalSeconds:0.###} s.", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            throw new HandshakeException($"Could not connect to {uri}: {ex.Message}", ex);
        }
        finally
        {
            if (transport is not null)
            {
                transport.Abort();
            }
        }
    }

    /// <summary>Connects to <paramref name="uri"/> (see <see cref="ConnectAsync(Uri, WebSocketClientOptions?, CancellationToken)"/>).</summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="UriFormatException"><paramref name="uri"/> is not a URI.</exception>
    /// <exception cref="HandshakeException">The connection or the handshake failed.</exception>
    public static Task<WebSocketConnection> ConnectAsync(string uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return ConnectAsync(new Uri(uri), options, cancellationToken);
    }

    /// <summary>
    /// A cold observable of one connection: each subscription connects, emits the connection, and
    /// completes when it closes normally (errors otherwise). Disposing the subscription closes the
    /// connection with 1000. Reconnecting is composition: <c>Connect(uri).Retry()</c>, or
    /// <c>RetryWhen</c> with a backoff.
    /// </summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <returns>The cold observable.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    public static IObservable<WebSocketConnection> Connect(Uri uri, WebSocketClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return Observable.Create<WebSocketConnection>(async (observer, cancellationToken) =>
        {
            WebSocketConnection connection = await ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                observer.OnNext(connection);
                try
                {
                    await connection.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return; // unsubscribed: DisposeAsync closes with 1000
                }

                ConnectionClosedException closed = connection.ClosedException!;
                if (closed.IsNormal)
                {
                    observer.OnCompleted();
                }
                else
                {
                    observer.OnError(closed);
                }
            }
        });
    }

    private static async Task<StreamTransport> OpenTransportAsync(Uri uri, SslClientAuthenticationOptions? tlsOptions, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(uri.IdnHost, uri.Port, cancellationToken).ConfigureAwait(false);
            socket.NoDelay = true;
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (uri.Scheme == "wss")
            {
                var probe = new FirstByteProbe(stream);
                var tls = new SslStream(probe, leaveInnerStreamOpen: false);
                SslClientAuthenticationOptions settings = tlsOptions is null ? new() : Copy(tlsOptions);
                settings.TargetHost ??= uri.IdnHost;
                try
                {
                    await tls.AuthenticateAsClientAsync(settings, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException && probe.ServerAnsweredWithoutTls)
                {
                    throw new HandshakeException(
                        $"The server at {uri.Authority} did not answer with TLS (its first byte was 0x{probe.FirstByte:x2}{(probe.FirstByte == 'H' ? ", the start of an HTTP response" : string.Empty)}): it is probably a plain ws:// server. Connect with ws://, or enable TLS on the server.",
                        ex);
                }

                stream = tls;
            }

            return new StreamTransport(stream, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A copy, so the caller's options object is not changed when the target host is filled in.</summary>
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

    /// <summary>Reads the response head (and, for a rejection, up to 1 KiB of body), leaving any frame bytes that follow in the pipe.</summary>
    private static async Task<ClientHandshakeResult> ReadResponseAsync(StreamTransport transport, ClientHandshake handshake, WebSocketOptions options, CancellationToken cancellationToken)
    {
        var parser = new HttpMessageParser(options.Limits);
        PipeReader input = transport.Input;
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            HttpParseResult parsed = parser.ParseResponse(read.Buffer, out SequencePosition consumed, out SequencePosition examined, out HandshakeResponse? response, out HttpParseError error);
            input.AdvanceTo(consumed, examined);
            if (parsed == HttpParseResult.Error)
            {
                throw new HandshakeException($"Malformed handshake response: {error.Reason}");
            }

            if (parsed == HttpParseResult.Done)
            {
                ReadOnlySequence<byte> body = response!.StatusCode == 101
                    ? default
                    : await ReadBodyAsync(input, response, cancellationToken).ConfigureAwait(false);
                return handshake.ValidateResponse(response, body);
            }

            if (read.IsCompleted)
            {
                throw new HandshakeException("The server closed the connection during the handshake.");
            }
        }
    }

    private static async Task<ReadOnlySequence<byte>> ReadBodyAsync(PipeReader input, HandshakeResponse response, CancellationToken cancellationToken)
    {
        int wanted = ClientHandshakeResult.MaxBodyLength;
        if (int.TryParse(response.Headers.GetFirst("Content-Length"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length))
        {
            wanted = Math.Min(length, wanted);
        }

        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.Buffer.Length >= wanted || read.IsCompleted)
            {
                byte[] body = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, wanted)).ToArray();
                input.AdvanceTo(read.Buffer.End);
                return new ReadOnlySequence<byte>(body);
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
