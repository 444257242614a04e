// Kestrel echo server for compare.sh (issue 7):
//   dotnet test/RxSockets.Benchmarks.Kestrel/bin/Release/net10.0/RxSockets.Benchmarks.Kestrel.dll --urls http://127.0.0.1:9003
// The ASP.NET Core WebSockets echo sample: every text and binary message (or fragment) is sent
// back unchanged, through one buffer per connection reused for the connection's lifetime.
// Logging is at Warning, so no per-request log line is counted as handshake cost.
// --fanout serves the fan-out benchmark instead (FanOut.cs: SignalR on /hub, the naive loop on
// /sub and /pub; test/RxSockets.LoadTool/fanout.sh); --fanout --redis HOST:PORT puts SignalR on
// its Redis backplane, for two processes on one Redis (fanout.sh signalr-redis).
// --floor measures what Kestrel's HTTP layer alone holds per upgraded connection (compare.sh
// --aspnetcore, "kestrel-floor", idle scenarios only): it answers the WebSocket handshake itself,
// upgrades through IHttpUpgradeFeature and then only waits with zero-byte reads on the upgraded
// stream, holding no buffer and no WebSocket object; bytes that come are read and dropped.
// --unsafe-inline-scheduling turns on the socket transport's UnsafePreferInlineScheduling
// (application code on the I/O thread), which ASP.NET Core documents together with
// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (compare.sh --inline-completions
// --kestrel-inline-scheduling).
using System;
using System.IO;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace RxSockets.Benchmarks.Kestrel;

public static class Program
{
    /// <summary>The sample's buffer size (learn.microsoft.com's WebSockets echo uses 4 KiB).</summary>
    private const int BufferSize = 4 * 1024;

    public static void Main(string[] args)
    {
        bool inlineScheduling = Array.IndexOf(args, "--unsafe-inline-scheduling") >= 0;
        bool fanOut = Array.IndexOf(args, "--fanout") >= 0;
        int redisAt = Array.IndexOf(args, "--redis");
        string? redis = redisAt >= 0 && redisAt + 1 < args.Length ? args[redisAt + 1] : null;
        bool floor = Array.IndexOf(args, "--floor") >= 0;
        WebApplicationBuilder builder = WebApplication.CreateBuilder(Array.FindAll(
            args, a => a is not ("--unsafe-inline-scheduling" or "--fanout" or "--redis" or "--floor") && a != redis));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (inlineScheduling)
        {
            builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = true);
        }

        if (fanOut)
        {
            FanOut.Configure(builder, redis);
        }

        WebApplication app = builder.Build();
        if (floor)
        {
            app.Run(HoldAsync);
            app.Run();
            return;
        }

        app.UseWebSockets();
        if (fanOut)
        {
            FanOut.Map(app);
            app.Run();
            return;
        }

        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            await EchoAsync(socket, context.RequestAborted);
        });
        app.Run();
    }

    /// <summary>The floor: a bare HTTP/1.1 upgrade, then zero-byte reads until the peer goes away.</summary>
    private static async Task HoldAsync(HttpContext context)
    {
        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        string? key = context.Request.Headers["Sec-WebSocket-Key"];
        if (upgrade is not { IsUpgradableRequest: true } || string.IsNullOrEmpty(key))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.Headers["Upgrade"] = "websocket";
#pragma warning disable CA5350 // RFC 6455 §4.2.2 defines the accept value with SHA-1; it is no security measure
        context.Response.Headers["Sec-WebSocket-Accept"] = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        await using Stream stream = await upgrade.UpgradeAsync();
        byte[]? dropped = null;
        try
        {
            while (await stream.ReadAsync(Memory<byte>.Empty, context.RequestAborted) == 0)
            {
                dropped ??= new byte[256];
                if (await stream.ReadAsync(dropped, context.RequestAborted) == 0)
                {
                    return; // end of stream
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, cancellationToken);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
    }
}
