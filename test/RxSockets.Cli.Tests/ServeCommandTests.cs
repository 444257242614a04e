using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Cli.Tests;

/// <summary><c>rxsockets serve</c> in-process, with RxSockets clients over 127.0.0.1.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ServeCommandTests
{
    [Test]
    public async Task Serve_Echo_PrintsItsUrlEchoesAndClosesWith1001OnCtrlC()
    {
        await using CliHarness cli = CliHarness.Start("serve", "--port", "0");
        Uri uri = await ListeningUriAsync(cli);

        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(uri);
        await ws.SendAsync("hello");
        await ws.SendAsync(new byte[] { 0, 1, 2 });
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("hello"));
        Assert.That((await ws.ReceiveAsync()).Data.ToArray(), Is.EqualTo(new byte[] { 0, 1, 2 }));

        await cli.InterruptAsync();

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
        await ws.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(ws.ClosedException?.Received?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    [Test]
    public async Task Serve_Broadcast_SendsEachInputLineToEveryClientAndPrintsWhatTheySend()
    {
        await using CliHarness cli = CliHarness.Start("serve", "--port", "0", "--broadcast");
        Uri uri = await ListeningUriAsync(cli);
        await using WebSocketConnection first = await WebSocketClient.ConnectAsync(uri);
        await using WebSocketConnection second = await WebSocketClient.ConnectAsync(uri);
        await cli.Error.WaitForLinesAsync(line => line.StartsWith("+ ", StringComparison.Ordinal), count: 2); // both joined

        await cli.WriteLineAsync("news for all");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("news for all"));
        Assert.That(await second.ReceiveTextAsync(), Is.EqualTo("news for all"));

        await second.SendAsync("a reply");
        await cli.Output.WaitForLineAsync("< a reply");

        cli.CloseInput();
        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
        await first.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(first.ClosedException?.Received?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    [Test]
    public async Task Serve_PortInUse_ExitsWith1()
    {
        await using WebSocketServer other = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);

        (int code, _, LineWriter error) = await CliHarness.RunAsync("serve", "--port", other.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(code, Is.EqualTo(ExitCodes.Failed));
        Assert.That(error.Text, Does.Contain("Cannot listen"));
    }

    internal static async Task<Uri> ListeningUriAsync(CliHarness cli)
    {
        string line = await cli.Output.WaitForLineAsync("Listening on ");
        return new Uri(line["Listening on ".Length..]);
    }
}
