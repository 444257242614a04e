using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>Opens client connections to <c>ws://</c> and <c>wss://</c> URIs.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static partial class WebSocketClient
{
    /// <summary>
    /// Connects and performs the opening handshake within <see cref="WebSocketOptions.OpenTimeout"/>:
    /// through a proxy when <see cref="WebSocketClientOptions.Proxy"/> or the environment names one,
    /// following up to <see cref="WebSocketClientOptions.MaxRedirects"/> redirects.
    /// </summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not an absolute ws:// or wss:// URI.</exception>
    /// <exception cref="HandshakeRejectedException">The server answered with an HTTP status other than 101 (and not a redirect that was followed).</exception>
    /// <exception cref="ProxyRejectedException">The proxy refused the tunnel.</exception>
    /// <exception cref="HandshakeException">The connection failed, timed out, or the response was invalid; <see cref="HandshakeException.Failure"/> says which.</exception>
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
        List<KeyValuePair<string, string>> headers = [.. options.Headers];

        // ws://user:password@host/ sends HTTP Basic credentials, as python websockets does.
        if (uri.UserInfo.Length > 0 && !headers.Exists(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)))
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            headers.Add(new("Authorization", BasicAuthentication.HeaderValue(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty)));
        }

        // The request itself never carries the user info (RFC 6455 §3); it became the Authorization header above.
        Uri target = uri.UserInfo.Length > 0 ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri : uri;
        Uri shown = target; // error messages never carry the password
        using var timeout = new CancellationTokenSource(options.OpenTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            for (int redirects = 0; ; redirects++)
            {
                (WebSocketConnection? connection, string? location) = await HandshakeAsync(target, headers, options, linked.Token).ConfigureAwait(false);
                if (connection is not null)
                {
                    return connection;
                }

                if (redirects == options.MaxRedirects)
                {
                    throw new HandshakeException($"Connecting to {shown} was redirected more than {options.MaxRedirects} times (last to {location}).", HandshakeFailure.Redirect);
                }

                Uri next = Redirects.Resolve(target, location!);
                if (!Redirects.SameOrigin(target, next))
                {
                    headers = Redirects.WithoutCredentials(headers);
                }

                target = next;
            }
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HandshakeException($"Connecting to {shown} timed out after {options.OpenTimeout.TotalSeconds:0.###} s.", HandshakeFailure.Timeout, ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            throw new HandshakeException($"Could not connect to {shown}: {ex.Message}", HandshakeFailure.Network, ex);
        }
    }

    /// <summary>
    /// One connection and handshake to <paramref name="target"/>: the open connection, or the
    /// <c>Location</c> of a redirect to follow (the transport is then closed), or an exception.
    /// </summary>
    private static async Task<(WebSocketConnection? Connection, string? Location)> HandshakeAsync(Uri target, List<KeyValuePair<string, string>> headers, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        HttpHeaders? extra = null;
        if (headers.Count > 0)
        {
            extra = new HttpHeaders();
            foreach (KeyValuePair<string, string> header in headers)
            {
                extra.Add(header.Key, header.Value);
            }
        }

        var handshake = new ClientHandshake(target)
        {
            Origin = options.Origin,
            UserAgent = options.UserAgent,
            Subprotocols = options.Subprotocols,
            ExtraHeaders = extra,
            Compression = options.Compression,
        };

        StreamTransport? transport = await ClientTransport.OpenAsync(target, options, cancellationToken).ConfigureAwait(false);
        try
        {
            handshake.WriteRequest(transport.Output);
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            ClientHandshakeResult result = await ReadResponseAsync(transport, handshake, options, cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                var connection = new WebSocketConnection(transport, ConnectionSide.Client, options, handshake.CreateRequest(), result.Subprotocol, result.Compression);
                connection.Start();
                transport = null; // owned by the connection now
                return (connection, null);
            }

            if (result.IsRejected && options.MaxRedirects > 0 && Redirects.IsRedirect(result.StatusCode) && result.Headers.GetFirst("Location") is { Length: > 0 } location)
            {
                return (null, location);
            }

            throw result.IsRejected
                ? new HandshakeRejectedException(result.StatusCode, result.Response.ReasonPhrase, [.. result.Headers], result.Body)
                : new HandshakeException($"Invalid handshake response from {target}: {result.FailureReason}");
        }
        finally
        {
            transport?.Abort();
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
    /// connection with 1000. To stay connected across failures and server restarts, with backoff,
    /// use <see cref="Reconnecting(Uri, WebSocketClientOptions?, ReconnectOptions?)"/>.
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
                throw new HandshakeException("The server closed the connection during the handshake.", HandshakeFailure.ServerClosed);
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

        if (wanted == 0)
        {
            return default; // an empty body (a keep-alive server sends nothing more): reading would wait for the next response
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
