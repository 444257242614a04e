using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.AspNetCore.Tests;

/// <summary>services.AddWebSocketServer: the standalone server as a hosted service of the Generic Host.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class HostingTests
{
    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection> services)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = KestrelApp.Wait);
        services(builder.Services);
        return builder.Build();
    }

    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken ct)
    {
        await foreach (Message message in ws.ReadAllAsync(ct))
        {
            await ws.SendAsync(message, ct);
        }
    }

    [Test]
    public async Task AddWebSocketServer_OptionsFromConfiguration_ServeWithThoseLimits()
    {
        long defaultLimit = ProtocolLimits.Default.MaxMessageSize;
        using IHost host = Build(
            new() { ["WebSocketServer:Port"] = "0", ["WebSocketServer:MaxQueue"] = "4", ["WebSocketServer:Limits:MaxMessageSize"] = "1000", ["WebSocketServer:PingInterval"] = "00:00:05" },
            s => s.AddWebSocketServer(EchoAsync).BindConfiguration("WebSocketServer"));
        await host.StartAsync();
        try
        {
            WebSocketServer server = host.Services.GetRequiredService<WebSocketServerService>().Server!;
            WebSocketServerOptions options = host.Services.GetRequiredService<IOptionsMonitor<WebSocketServerOptions>>().Get(Options.DefaultName);
            Assert.That(options.MaxQueue, Is.EqualTo(4));
            Assert.That(options.PingInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.LoggerFactory, Is.SameAs(host.Services.GetRequiredService<ILoggerFactory>()));
            Assert.That(options.MeterFactory, Is.SameAs(host.Services.GetRequiredService<IMeterFactory>()));
            Assert.That(ProtocolLimits.Default.MaxMessageSize, Is.EqualTo(defaultLimit), "binding must not change the shared default limits");

            await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
            await client.SendAsync("small");
            Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("small"));
            await client.SendAsync(new byte[1001]);
            await client.Completion.WaitAsync(KestrelApp.Wait);
            Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.MessageTooBig));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task AddWebSocketServer_InvalidConfiguration_FailsTheHostsStartNamingTheValue()
    {
        using IHost host = Build(new() { ["WebSocketServer:MaxQueue"] = "0" }, s => s.AddWebSocketServer(EchoAsync).BindConfiguration("WebSocketServer"));
        OptionsValidationException failure = (await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()))!;
        Assert.That(failure.Message, Does.Contain("MaxQueue"));
    }

    [Test]
    public async Task HostStop_ClosesConnectionsWith1001()
    {
        using IHost host = Build([], s => s.AddWebSocketServer(EchoAsync));
        await host.StartAsync();
        WebSocketServer server = host.Services.GetRequiredService<WebSocketServerService>().Server!;
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);
        await client.SendAsync("before");
        Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("before"));

        await host.StopAsync();
        await client.Completion.WaitAsync(KestrelApp.Wait);
        Assert.That(client.ClosedException!.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(server.ActiveSessions, Is.Zero);
    }

    [Test]
    public async Task NamedServers_RunSideBySideWithTheirOwnOptionsAndReportToTheHostsMeter()
    {
        using IHost host = Build(
            new() { ["A:Port"] = "0", ["B:Port"] = "0", ["B:Subprotocols:0"] = "b.v1" },
            s =>
            {
                s.AddWebSocketServer(EchoAsync, "a").BindConfiguration("A");
                s.AddWebSocketServer(ws => ws, "b").BindConfiguration("B");
            });
        using var handshakes = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), RxSocketsTelemetry.MeterName, "rxsockets.handshakes");
        await host.StartAsync();
        try
        {
            WebSocketServer a = host.Services.GetRequiredKeyedService<WebSocketServerService>("a").Server!;
            WebSocketServer b = host.Services.GetRequiredKeyedService<WebSocketServerService>("b").Server!;
            Assert.That(a.EndPoint.Port, Is.Not.EqualTo(b.EndPoint.Port));
            await using WebSocketConnection toA = await WebSocketClient.ConnectAsync(a.Uri);
            await using WebSocketConnection toB = await WebSocketClient.ConnectAsync(b.Uri, new WebSocketClientOptions { Subprotocols = ["b.v1"] });
            Assert.That(toB.Subprotocol, Is.EqualTo("b.v1"));
            await toB.SendAsync("rx echo");
            Assert.That((await toB.ReceiveAsync()).Text, Is.EqualTo("rx echo"));
            Assert.That(handshakes.GetMeasurementSnapshot(), Has.Count.EqualTo(2));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
