using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace RxSockets.Compliance.Interop;

/// <summary>
/// examples/AspNetCore started as <c>dotnet run</c> would start it (with <c>--urls</c> on a free
/// port), its endpoints served by Kestrel, against real clients: python websockets' and Node ws'.
/// </summary>
[TestFixture(PeerKind.Python)]
[TestFixture(PeerKind.Node)]
[Description("RFC 6455 through Kestrel's upgrade: echo of every frame length, ping, closing, against real peers")]
public sealed class AspNetCoreInteropTests(PeerKind peer)
{
    private WebApplication _app = null!;
    private Uri _root = null!;

    [OneTimeSetUp]
    public async Task StartAppAsync()
    {
        Peers.Require(peer);
        _app = AspNetCoreExample.Program.CreateApp(["--urls", "http://127.0.0.1:0", "--Metrics:ConsoleExport=false", "--Logging:LogLevel:Default=Warning"]);
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _root = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/");
    }

    [OneTimeTearDown]
    public async Task StopAppAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [TestCase("echo-text")]
    [TestCase("echo-binary")]
    public async Task Echo_EverySizeFromPeerClient_ComesBackUnchanged(string scenario)
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("echo", scenario);
        using (Assert.EnterMultipleScope())
        {
            foreach (int size in Payloads.Sizes)
            {
                Assert.That(events.Any(e => e.Is("check", scenario) && e.GetProperty("size").GetInt32() == size && e.GetProperty("ok").GetBoolean()), Is.True, $"the peer got its {size}-byte message back");
            }

            Assert.That(events[^1].Close("rcvd"), Is.EqualTo(peer == PeerKind.Python ? "1000 " : "1005 "), "close seen by the peer");
        }
    }

    [Test]
    public async Task Ping_FromPeerClient_IsAnswered()
    {
        IReadOnlyList<JsonElement> events = await RunClientAsync("echo", "ping");
        Assert.That(events.Any(e => e.Is("check", "ping") && e.GetProperty("ok").GetBoolean()), Is.True);
    }

    [Test]
    public async Task AuthenticatedChat_TokenInTheQuery_IsAcceptedAndWithoutIt_Refused()
    {
        IReadOnlyList<JsonElement> refused = await RunClientAsync("chat/lobby", "wait-close");
        Assert.That(refused.Any(e => e.Text("event") == "error" && e.Text("message")!.Contains("401", StringComparison.Ordinal)), Is.True, "the peer saw the 401");
        Assert.That(refused.Any(e => e.Is("event", "open")), Is.False);

        await using PeerProcess client = Peers.StartClient(peer, new Uri(_root, "chat/lobby?access_token=demo-token-ada"), "close", "1000", "bye");
        IReadOnlyList<JsonElement> events = await client.WaitForExitAsync();
        Assert.That(events.Any(e => e.Is("event", "open")), Is.True, client.Describe());
    }

    private async Task<IReadOnlyList<JsonElement>> RunClientAsync(string path, string scenario, params string[] args)
    {
        await using PeerProcess client = Peers.StartClient(peer, new Uri(_root, path), scenario, args);
        return await client.WaitForExitAsync();
    }
}
