// RxSockets inside an ASP.NET Core minimal-API app (docs/aspnetcore.md).
//   dotnet run --project examples/AspNetCore                                  http://localhost:5000
//   dotnet run --project examples/AspNetCore -- --urls http://127.0.0.1:8080  any ASP.NET Core option works
//   dotnet run --project examples/AspNetCore -- --Metrics:ConsoleExport=false
//   dotnet run --project examples/AspNetCore -- --Metrics:Traces=false          metrics without the handshake spans
// Endpoints:
//   /echo                 WebSocket, the library's default options: every text and binary message
//                         echoed unchanged (for conformance tools and load drivers)
//   /echo-async           the same echo as an async handler (ReadAllAsync + SendAsync)
//   /chat/{room}          WebSocket, authenticated (Authorization: Bearer demo-token-ada, or
//                         ?access_token=demo-token-ada): messages go to everyone in the room
//   /feeds                WebSocket, public: the feed hub (topic "time", one tick a second)
//   /rxsockets/feeds.js   the feed hub's browser client
//   /healthz              health checks (includes the open WebSocket connections)
// Metrics and handshake spans of the RxSockets meter go to the console every 10 s (Metrics:*).
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Reactive.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RxSockets;

namespace AspNetCoreExample;

/// <summary>The example app; <see cref="CreateApp"/> is what tests start.</summary>
public sealed class Program
{
    private Program()
    {
    }

    /// <summary>Runs the app until SIGTERM or Ctrl+C.</summary>
    /// <param name="args">ASP.NET Core's arguments (<c>--urls</c>, configuration).</param>
    /// <returns>A task that completes when the app stopped.</returns>
    public static Task Main(string[] args) => CreateApp(args).RunAsync();

    /// <summary>Builds the app (not started) from command-line arguments, as <c>dotnet run</c> passes them.</summary>
    /// <param name="args">ASP.NET Core's arguments: <c>--urls</c>, <c>--environment</c>, <c>--Key=value</c> for configuration.</param>
    /// <returns>The app.</returns>
    public static WebApplication CreateApp(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.Services.AddAuthentication(TokenAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TokenAuthentication>(TokenAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<ChatRooms>();
        builder.Services.AddSingleton(_ => CreateFeeds());
        builder.Services.AddHealthChecks().AddCheck<ConnectionsHealthCheck>("websockets");

        if (builder.Configuration.GetValue("Metrics:ConsoleExport", defaultValue: false))
        {
            int seconds = builder.Configuration.GetValue("Metrics:ExportIntervalSeconds", 10);
            OpenTelemetry.OpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
                .WithMetrics(metrics => metrics
                    .AddMeter(RxSocketsTelemetry.MeterName)
                    .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = seconds * 1000));
            if (builder.Configuration.GetValue("Metrics:Traces", defaultValue: true))
            {
                telemetry.WithTracing(tracing => tracing.AddSource(RxSocketsTelemetry.ActivitySourceName).AddConsoleExporter());
            }
        }

        WebApplication app = builder.Build();

        // The library's defaults, nothing else: conformance tools and load drivers point here.
        app.MapWebSocket("/echo", ws => ws);

        // The same echo as an async handler, for load drivers comparing the two styles.
        app.MapWebSocket("/echo-async", async (WebSocketConnection ws, CancellationToken ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        });

        // Authenticated: the handler sees the user and the route; everyone in a room gets every message.
        app.MapWebSocket("/chat/{room}", async (HttpContext http, WebSocketConnection ws, CancellationToken ct) =>
        {
            string user = http.User.Identity?.Name ?? "?";
            string room = (string)http.Request.RouteValues["room"]!;
            ChatRooms rooms = http.RequestServices.GetRequiredService<ChatRooms>();
            using IDisposable member = rooms.Join(room, ws);
            rooms.Say(room, $"{user} joined {room}");
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                rooms.Say(room, $"{user}: {message.Text}");
            }
        }).RequireAuthorization();

        // Public: the feed hub, and its browser client.
        FeedHub feeds = app.Services.GetRequiredService<FeedHub>();
        app.MapWebSocket("/feeds", feeds.ServeAsync, new WebSocketEndpointOptions { Subprotocols = [FeedHub.Subprotocol] });
        app.MapGet(FeedHub.ClientScriptPath, () => Results.Bytes(FeedHub.ClientScriptSource, "text/javascript; charset=utf-8"));

        app.MapHealthChecks("/healthz");
        return app;
    }

    /// <summary>The public feed: topic "time", the UTC time once a second.</summary>
    private static FeedHub CreateFeeds()
    {
        var hub = new FeedHub();
        hub.Publish("time", Observable.Interval(TimeSpan.FromSeconds(1)).Select(_ => Message.FromText(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))));
        return hub;
    }
}
