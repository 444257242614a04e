using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Cli.Tests;

/// <summary>
/// <c>rxsockets connect</c> driven through its standard input (a real pipe) against RxSockets
/// servers on 127.0.0.1: what it sends, what it prints, how it closes and its exit codes.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ConnectCommandTests
{
    [Test]
    public async Task Connect_LinesAndPing_EchoesPrintedAndEndOfInputClosesWith1000()
    {
        var serverSaw = new TaskCompletionSource<ConnectionClosedException?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }

            await ws.Completion;
            serverSaw.TrySetResult(ws.ClosedException);
        }, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString());
        await cli.Output.WaitForLineAsync($"Connected to {server.Uri}");

        await cli.WriteLineAsync("hello");
        await cli.WriteLineAsync("//not a command");
        await cli.Output.WaitForLineAsync("< /not a command");
        await cli.WriteLineAsync("/ping");
        await cli.Output.WaitForLineAsync("Pong received after");
        cli.CloseInput();

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success), cli.Error.Text);
        Assert.That(cli.Output.Lines, Does.Contain("< hello"));
        Assert.That(cli.Output.Lines[^1], Does.Contain("1000"));
        ConnectionClosedException? closed = await serverSaw.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(closed?.Received?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test]
    public async Task Connect_Expect_WaitsForTheRepliesAfterEndOfInput()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString(), "--expect", "2");

        await cli.WriteLineAsync("one");
        await cli.WriteLineAsync("two");
        cli.CloseInput(); // before any reply can have been printed

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
        Assert.That(cli.Output.Lines, Does.Contain("< one").And.Contain("< two"));
    }

    [Test]
    public async Task Connect_CloseCommand_SendsCodeAndReasonAndExitsWith3()
    {
        var serverSaw = new TaskCompletionSource<CloseStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            try
            {
                await foreach (Message message in ws.ReadAllAsync(ct))
                {
                }
            }
            catch (ConnectionClosedException)
            {
            }

            await ws.Completion;
            serverSaw.TrySetResult(ws.ClosedException?.Received);
        }, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString());
        await cli.Output.WaitForLineAsync("Connected to");

        await cli.WriteLineAsync("/close 4000 done for today");

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.ClosedAbnormally), "4000 is not a normal close");
        CloseStatus? received = await serverSaw.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(received?.Code, Is.EqualTo((CloseCode)4000));
        Assert.That(received?.Reason, Is.EqualTo("done for today"));
        Assert.That(cli.Output.Lines[^1], Does.Contain("4000"));
    }

    [Test]
    public async Task Connect_InvalidCloseCode_IsRefusedAndTheConnectionStaysOpen()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString());
        await cli.Output.WaitForLineAsync("Connected to");

        await cli.WriteLineAsync("/close 1005");
        await cli.Error.WaitForLineAsync("Not a close code");
        await cli.WriteLineAsync("still here");
        await cli.Output.WaitForLineAsync("< still here");
        cli.CloseInput();

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
    }

    [TestCase("hex", "< [binary, 3 bytes] 0102ff")]
    [TestCase("base64", "< [binary, 3 bytes] AQL/")]
    public async Task Connect_BinaryMessage_PrintedInTheChosenEncoding(string format, string expected)
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await ws.SendAsync(new byte[] { 1, 2, 255 }, ct);
            await ws.ReceiveAsync(ct); // until the client closes
        }, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString(), "--binary-as", format);

        await cli.Output.WaitForLineAsync(expected);
        cli.CloseInput();

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
    }

    [Test]
    public async Task Connect_BinaryCommand_SendsTheBytes()
    {
        var received = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            received.TrySetResult(await ws.ReceiveAsync(ct));
            await ws.ReceiveAsync(ct);
        }, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString());
        await cli.Output.WaitForLineAsync("Connected to");

        await cli.WriteLineAsync("/binary 68656c6c6f");

        Message message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(message.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(message.Data.ToArray(), Is.EqualTo("hello"u8.ToArray()));
    }

    [Test]
    public async Task Connect_ServerClosesWith1011_ExitsWith3AndSaysSo()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            await ws.ReceiveAsync(ct);
            await ws.CloseAsync(CloseCode.InternalError, "boom", ct);
        }, "127.0.0.1", 0);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString());
        await cli.Output.WaitForLineAsync("Connected to");

        await cli.WriteLineAsync("go");

        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.ClosedAbnormally));
        Assert.That(cli.Output.Lines[^1], Does.Contain("1011").And.Contain("boom"));
    }

    [Test]
    public async Task Connect_HeadersSubprotocolAndCompression_ReachTheServer()
    {
        var header = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new WebSocketServerOptions { Port = 0, Subprotocols = ["chat"], Compression = new PerMessageDeflateOptions() };
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, ct) =>
        {
            header.TrySetResult(ws.Request?.Headers.GetFirst("X-Token"));
            await foreach (Message message in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, ct);
            }
        }, options);
        await using CliHarness cli = CliHarness.Start("connect", server.Uri.ToString(), "-H", "X-Token: abc 123", "--subprotocol", "other", "--subprotocol", "chat", "--compress");

        string connected = await cli.Output.WaitForLineAsync("Connected to");
        await cli.WriteLineAsync(new string('z', 1000));
        await cli.Output.WaitForLineAsync("< zzz");
        cli.CloseInput();

        Assert.That(connected, Does.Contain("subprotocol chat").And.Contain("permessage-deflate"));
        Assert.That(await header.Task.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo("abc 123"));
        Assert.That(await cli.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success));
    }

    [Test]
    public async Task Connect_NothingListening_ExitsWith1()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        (int code, _, LineWriter error) = await CliHarness.RunAsync("connect", $"ws://127.0.0.1:{port}/");

        Assert.That(code, Is.EqualTo(ExitCodes.Failed));
        Assert.That(error.Text, Does.Contain("Failed to connect"));
    }

    [Test]
    public async Task Connect_RejectedHandshake_ExitsWith1AndShowsTheStatus()
    {
        var options = new WebSocketServerOptions
        {
            Port = 0,
            ProcessRequest = (request, ct) => ValueTask.FromResult<RxSockets.Protocol.HandshakeResponse?>(RxSockets.Protocol.HandshakeResponse.CreateError(403, "no entry")),
        };
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, options);

        (int code, _, LineWriter error) = await CliHarness.RunAsync("connect", server.Uri.ToString());

        Assert.That(code, Is.EqualTo(ExitCodes.Failed));
        Assert.That(error.Text, Does.Contain("403"));
    }

    [TestCase("http://127.0.0.1:1/")]
    [TestCase("not a uri")]
    public async Task Connect_NotAWebSocketUri_ExitsWith2(string uri)
    {
        (int code, _, LineWriter error) = await CliHarness.RunAsync("connect", uri);

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Text, Does.Contain("ws://"));
    }

    [Test]
    public async Task Connect_MissingUri_ExitsWith2()
    {
        (int code, _, _) = await CliHarness.RunAsync("connect");

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
    }

    [Test]
    public void Format_TextAndBinary()
    {
        Assert.That(ConnectCommand.Format(Message.FromText("hi"), base64: false), Is.EqualTo("< hi"));
        Assert.That(ConnectCommand.Format(Message.FromBinary(Encoding.ASCII.GetBytes("hi")), base64: false), Is.EqualTo("< [binary, 2 bytes] 6869"));
        Assert.That(ConnectCommand.Format(Message.FromBinary(Array.Empty<byte>()), base64: true), Is.EqualTo("< [binary, 0 bytes] "));
    }
}
