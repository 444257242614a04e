using System;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace RxSockets.Benchmarks.Kestrel;

/// <summary>
/// The Kestrel side of the fan-out benchmark (fanout.sh, issue 21), with <c>--fanout</c>: one
/// publisher, N subscribers, two ways people write it on ASP.NET Core.
/// <list type="bullet">
/// <item>SignalR, <c>/hub</c>: subscribers connect with <c>?role=sub</c> and join the group "feed";
/// the publisher invokes <c>Publish(payload)</c>, which is <c>Clients.Group("feed").SendAsync("m", payload)</c>
/// (JSON protocol; the driver speaks it over a raw WebSocket).</item>
/// <item>The naive loop, <c>/sub</c> and <c>/pub</c>: each message the publisher sends is sent as the
/// same bytes to each subscriber in turn, awaiting every <c>SendAsync</c>.</item>
/// </list>
/// With <c>--redis HOST:PORT</c> SignalR is scaled out with its Redis backplane
/// (<c>AddSignalR().AddStackExchangeRedis(...)</c>, channel prefix "fanout-signalr"): run two
/// processes on one Redis, the publisher on one, subscribers on both (fanout.sh signalr-redis).
/// </summary>
public static class FanOut
{
    /// <summary>Adds SignalR, on the Redis backplane at <paramref name="redis"/> when one is given.</summary>
    public static void Configure(WebApplicationBuilder builder, string? redis = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ISignalRServerBuilder signalR = builder.Services.AddSignalR();
        if (redis is not null)
        {
            signalR.AddStackExchangeRedis(redis, options => options.Configuration.ChannelPrefix = RedisChannel.Literal("fanout-signalr"));
        }
    }

    /// <summary>Maps the hub and the naive loop's endpoints.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var subscribers = new ConcurrentDictionary<WebSocket, byte>();
        app.MapHub<BenchHub>("/hub");
        app.Map("/sub", context => SubscribeAsync(context, subscribers));
        app.Map("/pub", context => PublishAsync(context, subscribers));
    }

    private static async Task SubscribeAsync(HttpContext context, ConcurrentDictionary<WebSocket, byte> subscribers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        subscribers.TryAdd(socket, 0);
        byte[] buffer = new byte[256];
        try
        {
            // A read is kept pending so pings and the close are handled; subscribers send nothing else.
            while ((await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            subscribers.TryRemove(socket, out _);
        }
    }

    private static async Task PublishAsync(HttpContext context, ConcurrentDictionary<WebSocket, byte> subscribers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), context.RequestAborted);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                ReadOnlyMemory<byte> message = buffer.AsMemory(0, length).ToArray(); // encoded once, the same bytes to everyone
                foreach (WebSocket subscriber in subscribers.Keys)
                {
                    try
                    {
                        await subscriber.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
                    {
                        subscribers.TryRemove(subscriber, out _);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }
}

/// <summary>The SignalR hub of the fan-out benchmark.</summary>
public sealed class BenchHub : Hub
{
    /// <summary>The group every subscriber joins.</summary>
    public const string Group = "feed";

    /// <summary>Subscribers (<c>?role=sub</c>) join <see cref="Group"/>.</summary>
    public override async Task OnConnectedAsync()
    {
        if (Context.GetHttpContext()?.Request.Query["role"].ToString() == "sub")
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, Group);
        }
    }

    /// <summary>The publisher's call: the payload to every subscriber.</summary>
    public Task Publish(string payload) => Clients.Group(Group).SendAsync("m", payload);
}
