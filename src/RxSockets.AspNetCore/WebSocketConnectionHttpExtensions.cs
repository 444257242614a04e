using System;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace RxSockets;

/// <summary>The request behind a connection that a <c>MapWebSocket</c> endpoint accepted.</summary>
public static class WebSocketConnectionHttpExtensions
{
    /// <summary>Connections accepted by endpoints and their requests; an entry goes with its connection.</summary>
    private static readonly ConditionalWeakTable<WebSocketConnection, HttpContext> s_contexts = [];

    /// <summary>
    /// The upgraded request of a connection accepted by a <c>MapWebSocket</c> endpoint (user, route
    /// values, query, headers, <c>RequestServices</c>), for handlers written for the standalone
    /// server's shape, such as <c>FeedHub.ServeAsync</c> and its <c>Identify</c> hook:
    /// <c>Identify = (ws, _) =&gt; ValueTask.FromResult(ws.GetHttpContext()?.User)</c>.
    /// Valid until the handler ends.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <returns>The request's context, or <see langword="null"/> for a connection that no endpoint accepted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    public static HttpContext? GetHttpContext(this WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return s_contexts.TryGetValue(connection, out HttpContext? context) ? context : null;
    }

    /// <summary>Remembers the request of an accepted connection.</summary>
    internal static void SetHttpContext(WebSocketConnection connection, HttpContext context) => s_contexts.AddOrUpdate(connection, context);

    /// <summary>Forgets it once the handler ended (the context is recycled by the server).</summary>
    internal static void RemoveHttpContext(WebSocketConnection connection) => s_contexts.Remove(connection);
}
