using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
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

    [Test]
    public async Task Serve_Static_ServesTheFolderOverHttpAndTheFeedOnTheSamePort()
    {
        string root = Path.Combine(Path.GetTempPath(), "rxsockets-static-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "site"));
        await File.WriteAllTextAsync(Path.Combine(root, "site", "index.html"), "<p>feed page</p>");
        await File.WriteAllTextAsync(Path.Combine(root, "secret.txt"), "outside the folder");
        try
        {
            await using CliHarness cli = CliHarness.Start("serve", "--port", "0", "--broadcast", "--static", Path.Combine(root, "site"));
            Uri uri = await ListeningUriAsync(cli);
            await cli.Output.WaitForLineAsync("Serving ");
            var page = new Uri($"http://{uri.Authority}/");

            using var http = new HttpClient();
            using HttpResponseMessage index = await http.GetAsync(page);
            Assert.That(index.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(index.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(await index.Content.ReadAsStringAsync(), Is.EqualTo("<p>feed page</p>"));
            using HttpResponseMessage missing = await http.GetAsync(new Uri(page, "/nothing.js"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await RawGetStatusLineAsync(uri.Port, "/../secret.txt"), Does.StartWith("HTTP/1.1 404"), "no way out of the folder");
            Assert.That(await RawGetStatusLineAsync(uri.Port, "/%2e%2e/secret.txt"), Does.StartWith("HTTP/1.1 404"), "nor escaped");

            await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(uri);
            await cli.Error.WaitForLineAsync("+ ");
            await cli.WriteLineAsync("tick");
            Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("tick"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public async Task Serve_StaticFolderMissing_ExitsWith2()
    {
        (int code, _, LineWriter error) = await CliHarness.RunAsync("serve", "--port", "0", "--static", "/nonexistent/rxsockets/folder");

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Text, Does.Contain("No folder"));
    }

    /// <summary>Sends a GET with the target exactly as given (HttpClient would remove the dot segments) and returns the status line.</summary>
    private static async Task<string> RawGetStatusLineAsync(int port, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? "";
    }

    internal static async Task<Uri> ListeningUriAsync(CliHarness cli)
    {
        string line = await cli.Output.WaitForLineAsync("Listening on ");
        return new Uri(line["Listening on ".Length..]);
    }
}
