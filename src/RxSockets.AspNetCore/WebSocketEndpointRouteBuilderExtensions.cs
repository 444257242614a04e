using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RxSockets;

/// <summary>
/// <c>app.MapWebSocket(pattern, handler)</c>: RxSockets connections as endpoints of an ASP.NET Core
/// app (docs/aspnetcore.md). Kestrel upgrades the request; RxSockets validates the handshake and
/// runs the connection. Each returns the endpoint's <see cref="IEndpointConventionBuilder"/>, so
/// <c>RequireAuthorization()</c>, <c>RequireRateLimiting()</c>, <c>RequireCors()</c>, <c>WithMetadata()</c>
/// and the rest apply as on any endpoint: they run before the upgrade, and their refusals (401,
/// 403, 429) are plain HTTP answers.
/// </summary>
/// <remarks>
/// <para>
/// A connection closes when its handler ends, as with <see cref="WebSocketServer"/>: with 1000
/// when it returns, 1011 when it throws (no details sent), the status of a
/// <see cref="WebSocketCloseException"/>, and 1001 "server shutting down" when the app stops
/// (<c>IHostApplicationLifetime.ApplicationStopping</c>): every open connection is then closed with
/// 1001 and handler tokens are cancelled, within the host's shutdown timeout.
/// </para>
/// <para>
/// A request that is not a valid WebSocket handshake gets the standalone server's answers
/// (426 with <c>Upgrade: websocket</c> for plain HTTP, 400 with the reason for a bad key or
/// version, 405 for another method, 403 for a refused origin). The handler's
/// <see cref="HttpContext"/> is the upgraded request's: user, route values, query, headers.
/// HTTP/2 requests are served through extended CONNECT (RFC 8441) where Kestrel offers it.
/// </para>
/// </remarks>
public static class WebSocketEndpointRouteBuilderExtensions
{
    /// <summary>Maps a WebSocket endpoint with an async handler that sees the request.</summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route pattern, for example <c>"/chat/{room}"</c>.</param>
    /// <param name="handler">Runs once per connection with the request's context; the connection closes when it returns. Its token is cancelled when the connection closes or the app stops.</param>
    /// <param name="options">The endpoint's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IEndpointConventionBuilder MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Func<HttpContext, WebSocketConnection, CancellationToken, Task> handler, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        var endpoint = new WebSocketEndpoint(handler, options ?? new WebSocketEndpointOptions(), endpoints.ServiceProvider);
        return endpoints.Map(pattern, endpoint.InvokeAsync).WithDisplayName("WebSocket " + pattern);
    }

    /// <summary>Maps a WebSocket endpoint with an async handler (the <see cref="WebSocketServer"/> style: <c>hub.ServeAsync</c> fits).</summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Runs once per connection; the connection closes when it returns. <see cref="WebSocketConnectionHttpExtensions.GetHttpContext"/> gives the request.</param>
    /// <param name="options">The endpoint's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IEndpointConventionBuilder MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return endpoints.MapWebSocket(pattern, (_, connection, cancellationToken) => handler(connection, cancellationToken), options);
    }

    /// <summary>Maps a WebSocket endpoint with an Rx handler that sees the request.</summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="options">The endpoint's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IEndpointConventionBuilder MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Func<HttpContext, WebSocketConnection, IObservable<Message>> handler, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return endpoints.MapWebSocket(pattern, (context, connection, cancellationToken) => WebSocketHandler.FromRx(ws => handler(context, ws))(connection, cancellationToken), options);
    }

    /// <summary>Maps a WebSocket endpoint with an Rx handler (the <see cref="WebSocketServer"/> style).</summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="options">The endpoint's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IEndpointConventionBuilder MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Func<WebSocketConnection, IObservable<Message>> handler, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return endpoints.MapWebSocket(pattern, WebSocketHandler.FromRx(handler), options);
    }
}
