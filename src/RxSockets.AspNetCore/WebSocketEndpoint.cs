using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// One mapped endpoint: turns the request into a <see cref="HandshakeRequest"/>, lets the engine's
/// <see cref="ServerHandshake"/> judge it, answers refusals as the standalone server does, upgrades
/// through Kestrel (<see cref="IHttpUpgradeFeature"/> for HTTP/1.1, <see cref="IHttpExtendedConnectFeature"/>
/// for HTTP/2's extended CONNECT), then runs the connection over the upgraded stream and the handler.
/// </summary>
/// <remarks>Thread-safe: immutable after construction; one instance serves every request of its endpoint.</remarks>
internal sealed class WebSocketEndpoint
{
    /// <summary>
    /// RFC 8441 §5 drops <c>Sec-WebSocket-Key</c>/<c>Accept</c> from HTTP/2 handshakes; the engine checks
    /// everything else of an extended CONNECT request with this placeholder key (RFC 6455 §1.3's sample).
    /// </summary>
    private const string PlaceholderKey = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>Response headers a handshake writes that Kestrel writes itself (or that HTTP/2 forbids).</summary>
    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase) { "Connection", "Upgrade", "Content-Length", "Sec-WebSocket-Accept" };

    private readonly Func<HttpContext, WebSocketConnection, CancellationToken, Task> _handler;
    private readonly WebSocketEndpointOptions _options;
    private readonly ServerHandshake _handshake;
    private readonly EndpointConnections _connections;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;

    public WebSocketEndpoint(Func<HttpContext, WebSocketConnection, CancellationToken, Task> handler, WebSocketEndpointOptions options, IServiceProvider services)
    {
        options.Validate();
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        options.MeterFactory ??= services.GetService<IMeterFactory>();
        _handler = handler;
        _options = options;
        _meterFactory = options.MeterFactory;
        _logger = options.LoggerFactory?.CreateLogger("RxSockets.AspNetCore") ?? NullLogger.Instance;
        _connections = EndpointConnections.For(services);
        _handshake = new ServerHandshake
        {
            SupportedSubprotocols = options.Subprotocols,
            SubprotocolSelector = options.SelectSubprotocol,
            Compression = options.Compression,
            Origins = options.Origins,
        };
    }

    public async Task InvokeAsync(HttpContext context)
    {
        using HandshakeTelemetry telemetry = RxSocketsTelemetry.StartHandshake(_meterFactory, _options.TimeProvider);
        IHttpExtendedConnectFeature? connect = context.Features.Get<IHttpExtendedConnectFeature>();
        bool extendedConnect = connect is { IsExtendedConnect: true } && string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
        if (_connections.Stopping.IsCancellationRequested)
        {
            await RespondAsync(context, HandshakeResponse.CreateError(503, "The server is shutting down."), telemetry).ConfigureAwait(false);
            return;
        }

        HandshakeRequest? request = ToHandshakeRequest(context, extendedConnect);
        if (request is null)
        {
            await RespondAsync(context, HandshakeResponse.CreateError(400, "The request-target cannot be read as a WebSocket request (RFC 7230 §5.3.1)."), telemetry).ConfigureAwait(false);
            return;
        }

        telemetry.SetRequest(request);
        ServerHandshakeResult result = _handshake.Negotiate(request);
        if (!result.IsAccepted)
        {
            await RespondAsync(context, result.Response, telemetry).ConfigureAwait(false);
            return;
        }

        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (!extendedConnect && upgrade is not { IsUpgradableRequest: true })
        {
            // A valid handshake the server cannot upgrade: a test server without upgrades, or a request with a body.
            await RespondAsync(context, HandshakeResponse.CreateError(400, "This server cannot upgrade this request to WebSocket."), telemetry).ConfigureAwait(false);
            return;
        }

        foreach (KeyValuePair<string, string> header in result.Response.Headers)
        {
            // Kestrel writes Connection itself; HTTP/2 has neither Upgrade nor the accept value (RFC 8441 §5).
            bool skip = header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || (extendedConnect && s_hopByHop.Contains(header.Key));
            if (!skip)
            {
                context.Response.Headers.Append(header.Key, header.Value);
            }
        }

        Stream stream;
        try
        {
            stream = extendedConnect ? await connect!.AcceptAsync().ConfigureAwait(false) : await upgrade!.UpgradeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            telemetry.Failed("reset");
            return;
        }

        telemetry.Accepted(extendedConnect ? 200 : 101, result.Subprotocol);
        WebSocketConnection connection = WebSocketConnection.CreateFromStream(stream, ConnectionSide.Server, _options, new UpgradeResult
        {
            Subprotocol = result.Subprotocol,
            Compression = result.Compression,
            Request = request,
            LocalEndPoint = EndPoint(context.Connection.LocalIpAddress, context.Connection.LocalPort),
            RemoteEndPoint = EndPoint(context.Connection.RemoteIpAddress, context.Connection.RemotePort),
        });
        WebSocketConnectionHttpExtensions.SetHttpContext(connection, context);
        _connections.Add(connection);
        try
        {
            await WebSocketHandler.RunAsync(connection, (ws, cancellationToken) => _handler(context, ws, cancellationToken), _connections.Stopping).ConfigureAwait(false);
        }
        finally
        {
            _connections.Remove(connection);
            WebSocketConnectionHttpExtensions.RemoveHttpContext(connection);
        }
    }

    /// <summary>
    /// The request as the engine reads it: method, request-target, version and headers. An HTTP/2
    /// extended CONNECT is presented as the HTTP/1.1 upgrade it stands for (RFC 8441 §5), with a
    /// placeholder key. Returns null when the request-target is not in origin-form.
    /// </summary>
    private static HandshakeRequest? ToHandshakeRequest(HttpContext context, bool extendedConnect)
    {
        HttpRequest http = context.Request;
        string? target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            target = (http.PathBase + http.Path).ToUriComponent() + http.QueryString.ToUriComponent();
        }

        var headers = new HttpHeaders();
        try
        {
            foreach (KeyValuePair<string, StringValues> header in http.Headers)
            {
                foreach (string? value in header.Value)
                {
                    headers.Add(header.Key, value ?? string.Empty);
                }
            }

            if (extendedConnect)
            {
                headers.Add("Upgrade", "websocket");
                headers.Add("Connection", "Upgrade");
                if (!headers.Contains("Sec-WebSocket-Key"))
                {
                    headers.Add("Sec-WebSocket-Key", PlaceholderKey);
                }

                return new HandshakeRequest("GET", target, "HTTP/1.1", headers);
            }

            return new HandshakeRequest(http.Method, target, HttpVersionOf(http.Protocol), headers);
        }
        catch (ArgumentException)
        {
            return null; // a target or header Kestrel let through that HTTP/1.1's grammar does not allow
        }
    }

    /// <summary>"HTTP/1.1" as is; "HTTP/2" and "HTTP/3" as "HTTP/2.0" and "HTTP/3.0", which the engine answers with 505.</summary>
    private static string HttpVersionOf(string protocol) => protocol.Length == 6 && protocol.StartsWith("HTTP/", StringComparison.Ordinal) ? protocol + ".0" : protocol;

    private static IPEndPoint? EndPoint(IPAddress? address, int port) => address is null ? null : new IPEndPoint(address, port);

    /// <summary>Answers with plain HTTP: the engine's status, reason phrase, headers and body.</summary>
    private async Task RespondAsync(HttpContext context, HandshakeResponse response, HandshakeTelemetry telemetry)
    {
        Log.HandshakeRejected(_logger, context.Connection.RemoteIpAddress, response.StatusCode, response.ReasonPhrase);
        telemetry.Rejected(response.StatusCode, response.ReasonPhrase);
        bool http1 = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol);
        context.Response.StatusCode = response.StatusCode;
        if (context.Features.Get<IHttpResponseFeature>() is { } feature)
        {
            feature.ReasonPhrase = response.ReasonPhrase;
        }

        foreach (KeyValuePair<string, string> header in response.Headers)
        {
            if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || (!http1 && s_hopByHop.Contains(header.Key)))
            {
                continue;
            }

            context.Response.Headers.Append(header.Key, header.Value);
        }

        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
