using System;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Cli.Tests;

/// <summary>
/// <c>rxsockets bench</c> for a second against RxSockets echo servers: it must count, check and
/// report. No timing is asserted (shared CI machines are noisy); docs/performance.md has numbers.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class BenchCommandTests
{
    [Test]
    public async Task Bench_Json_ReportsMessagesAndPercentilesWithoutErrors()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        (int code, LineWriter output, LineWriter error) = await CliHarness.RunAsync(
            "bench", server.Uri.ToString(), "-c", "2", "-w", "4", "-s", "100", "-d", "1", "--warmup", "0", "--json");

        Assert.That(code, Is.EqualTo(ExitCodes.Success), error.Text);
        using JsonDocument json = JsonDocument.Parse(output.Lines[^1]);
        JsonElement root = json.RootElement;
        Assert.That(root.GetProperty("messages").GetInt64(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("errors").GetInt64(), Is.Zero);
        Assert.That(root.GetProperty("connections").GetInt32(), Is.EqualTo(2));
        Assert.That(root.GetProperty("p99_us").GetDouble(), Is.GreaterThanOrEqualTo(root.GetProperty("p50_us").GetDouble()));
        Assert.That(error.Text, Does.Contain("msgs/s"), "the summary table goes to standard error with --json");
    }

    [Test]
    public async Task Bench_Table_ShowsThroughputLatencyAndErrors()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        (int code, LineWriter output, _) = await CliHarness.RunAsync("bench", server.Uri.ToString(), "-c", "1", "-d", "1", "--warmup", "0", "--text");

        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        Assert.That(output.Text, Does.Contain("msgs/s").And.Contain("MB/s").And.Contain("p50").And.Contain("p99").And.Contain("errors"));
    }

    [Test]
    public async Task Bench_ServerThatChangesMessages_ExitsWith1AndNamesTheError()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(
            ws => System.Reactive.Linq.Observable.Select(ws, m => Message.FromText(m.Text.ToUpperInvariant())), "127.0.0.1", 0);

        (int code, LineWriter output, _) = await CliHarness.RunAsync("bench", server.Uri.ToString(), "-c", "1", "-d", "1", "--warmup", "0", "--text", "-q");

        Assert.That(code, Is.EqualTo(ExitCodes.Failed));
        Assert.That(output.Text, Does.Contain("Echo"));
    }

    [Test]
    public async Task Bench_Idle_OpensAndHoldsConnections()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        (int code, LineWriter output, _) = await CliHarness.RunAsync("bench", server.Uri.ToString(), "--idle", "20", "--hold", "0", "--json");

        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        using JsonDocument json = JsonDocument.Parse(output.Lines[^1]);
        Assert.That(json.RootElement.GetProperty("mode").GetString(), Is.EqualTo("idle"));
        Assert.That(json.RootElement.GetProperty("connections").GetInt32(), Is.EqualTo(20));
    }

    [TestCase("wss://127.0.0.1:1/")]
    [TestCase("http://127.0.0.1:1/")]
    public async Task Bench_NotAPlainWebSocketUri_ExitsWith2(string uri)
    {
        (int code, _, LineWriter error) = await CliHarness.RunAsync("bench", uri);

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Text, Does.Contain("ws://"));
    }

    [Test]
    public async Task Bench_OutOfRange_ExitsWith2()
    {
        (int code, _, _) = await CliHarness.RunAsync("bench", "ws://127.0.0.1:1/", "-c", "0");

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
    }
}
