using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RxSockets.AspNetCore.Tests;

/// <summary>A minimal-API app on a real Kestrel socket (127.0.0.1, a free port), stopped by disposing it.</summary>
internal sealed class KestrelApp : IAsyncDisposable
{
    /// <summary>How long a test waits for something that must happen (a generous bound, not a timing assumption).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private KestrelApp(WebApplication app, Uri http)
    {
        App = app;
        Http = http;
    }

    public WebApplication App { get; }

    /// <summary>The app's root, for example http://127.0.0.1:40123/.</summary>
    public Uri Http { get; }

    /// <summary>The app's address as an end point.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Parse(Http.Host), Http.Port);

    /// <summary>The WebSocket URI of <paramref name="path"/> on this app.</summary>
    public Uri Ws(string path) => new($"ws://{Http.Host}:{Http.Port}{path}");

    public static async Task<KestrelApp> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, HttpProtocols protocols = HttpProtocols.Http1)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = Wait);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        map(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelApp(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
