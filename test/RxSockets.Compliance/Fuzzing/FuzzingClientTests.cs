using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Compliance.FuzzingClient;

namespace RxSockets.Compliance.Fuzzing;

/// <summary>The Autobahn-convention fuzzing client against a tiny fake fuzzing server.</summary>
[TestFixture]
public sealed class FuzzingClientTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Test]
    public async Task RunAsync_FakeFuzzingServer_RunsEveryCaseThenUpdatesReports()
    {
        await using FakeFuzzingServer fake = await FakeFuzzingServer.StartAsync();
        using var log = new StringWriter();

        FuzzingReport report = await Program.RunAsync(fake.Server.Uri, "rx sockets", new FuzzingClientSettings(), log).WaitAsync(s_wait);

        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fake.Requests.ToArray(), Is.EqualTo(new[]
            {
                "/getCaseCount",
                "/runCase?case=1&agent=rx%20sockets",
                "/runCase?case=2&agent=rx%20sockets",
                "/runCase?case=3&agent=rx%20sockets",
                "/updateReports?agent=rx%20sockets",
            }));
            Assert.That(fake.EchoedCorrectly.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"), Is.EqualTo(new[] { "1:True", "3:True" }), "echoes of the same type, unchanged");
            Assert.That(report, Is.EqualTo(new FuzzingReport(CaseCount: 3, ClosedNormally: 1)));
            Assert.That(lines, Has.Some.StartsWith("case 2/3: handshake failed"), "a failed handshake moves on");
            Assert.That(lines, Has.Some.StartsWith("case 3/3: closed"), "a broken connection moves on");
            Assert.That(lines.Last(), Is.EqualTo("reports updated for agent rx sockets"));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task RunAsync_DeflateServer_IsNegotiatedUnlessNoDeflate(bool offer)
    {
        await using FakeFuzzingServer fake = await FakeFuzzingServer.StartAsync(new RxSockets.PerMessageDeflateOptions { Threshold = 0 });

        await Program.RunAsync(fake.Server.Uri, "rxsockets", new FuzzingClientSettings { OfferDeflate = offer }, TextWriter.Null).WaitAsync(s_wait);

        Assert.That(fake.Case1Compressed, Is.EqualTo(offer));
        Assert.That(fake.EchoedCorrectly[1], Is.True, "compressed echoes arrive unchanged");
    }

    [Test]
    public async Task Main_WithNoDeflate_RunsAndExitsWithZero()
    {
        await using FakeFuzzingServer fake = await FakeFuzzingServer.StartAsync();

        int exit = await Program.Main([fake.Server.Uri.AbsoluteUri.TrimEnd('/'), "rxsockets", "--no-deflate"]).WaitAsync(s_wait);

        Assert.That(exit, Is.Zero);
        Assert.That(fake.Requests.Last(), Is.EqualTo("/updateReports?agent=rxsockets"));
    }

    [TestCase]
    [TestCase("ws://127.0.0.1:9001")]
    [TestCase("http://127.0.0.1:9001", "agent")]
    [TestCase("ws://127.0.0.1:9001", "agent", "--deflate-please")]
    public async Task Main_BadArguments_PrintsUsageAndExitsWith2(params string[] args)
    {
        Assert.That(await Program.Main(args), Is.EqualTo(2));
    }

    [Test]
    public async Task Main_NoServer_ExitsWith1()
    {
        // A port that was free a moment ago: connecting is refused.
        await using WebSocketServer closed = await WebSocketServer.StartAsync((_, _) => Task.CompletedTask, "127.0.0.1", 0);
        Uri uri = closed.Uri;
        await closed.DisposeAsync();

        Assert.That(await Program.Main([uri.AbsoluteUri, "agent"]).WaitAsync(s_wait), Is.EqualTo(1));
    }
}
