using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance;

/// <summary>
/// An RxSockets server behind Debian's nginx, configured with the directives docs/howto/nginx.md
/// gives (read from the page itself, so the guide and this test cannot drift apart): upgrades and
/// messages pass through, the client's address is the last <c>X-Forwarded-For</c> entry, the
/// server's 1001 reaches the client, a server on a Unix domain socket works as the upstream, and
/// without the two upgrade headers the server answers 426.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class NginxInteropTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task GuideConfiguration_UpgradesAndEchoes_AndTellsTheServerWhoTheClientIs()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(async (ws, cancellationToken) =>
        {
            await ws.SendAsync($"{ws.Request?.Headers.GetFirst("X-Forwarded-For")}|{ws.Request?.Headers.GetFirst("Host")}", cancellationToken);
            await foreach (Message message in ws.ReadAllAsync(cancellationToken))
            {
                await ws.SendAsync(message, cancellationToken);
            }
        }, "127.0.0.1", 0);
        await using ProxyServer nginx = await ProxyServer.StartNginxAsync(GuideConfiguration(), server.EndPoint.Port);
        var options = new WebSocketClientOptions { Headers = [new("X-Forwarded-For", "6.6.6.6")] };

        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/chat"), options).WaitAsync(s_wait);
        string[] seen = (await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Text.Split('|');
        await client.SendAsync("through nginx");
        Message text = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
        byte[] bytes = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        await client.SendAsync(bytes);
        Message binary = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
        await client.CloseAsync(CloseCode.NormalClosure).WaitAsync(s_wait);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen[0], Is.EqualTo("6.6.6.6, 127.0.0.1"), "nginx appends the address it saw to what the client claimed");
            Assert.That(seen[0].Split(',')[^1].Trim(), Is.EqualTo("127.0.0.1"), "the guide's rule: the last entry is the client");
            Assert.That(seen[1], Is.EqualTo("127.0.0.1"), "Host is nginx's $host, the name the client asked for (without its port), not the upstream's name");
            Assert.That(text.Text, Is.EqualTo("through nginx"));
            Assert.That(binary.Data.ToArray(), Is.EqualTo(bytes));
            Assert.That(client.ClosedException?.IsNormal, Is.True, $"closed through nginx: {client.ClosedException}\n{nginx.Output}");
        }
    }

    [Test]
    public async Task ServerStopping_ItsGoingAwayReachesTheClientThroughNginx()
    {
        WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        await using ProxyServer nginx = await ProxyServer.StartNginxAsync(GuideConfiguration(), server.EndPoint.Port);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/")).WaitAsync(s_wait);
        await client.SendAsync("hello");
        Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Text, Is.EqualTo("hello"));

        await server.DisposeAsync().AsTask().WaitAsync(s_wait);
        await client.Completion.WaitAsync(s_wait);

        Assert.That(client.ClosedException?.Received?.Code, Is.EqualTo(CloseCode.GoingAway), $"{client.ClosedException}\n{nginx.Output}");
    }

    [Test]
    public async Task UnixSocketUpstream_ServerOnAUnixDomainSocket_EchoesThroughNginx()
    {
        string directory = Directory.CreateTempSubdirectory("rxsockets-unix-").FullName;
        string path = Path.Combine(directory, "rxsockets.sock");
        try
        {
            await using WebSocketServer server = WebSocketServer.CreateUnbound(ws => ws);
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
            using var stop = new CancellationTokenSource();
            Task accepting = AcceptAsync(listener, server, stop.Token);
            string configuration = Regex.Replace(GuideConfiguration(), @"server 127\.0\.0\.1:UPSTREAM_PORT;", $"server unix:{path};");
            await using ProxyServer nginx = await ProxyServer.StartNginxAsync(configuration, upstreamPort: 0);

            await using WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/")).WaitAsync(s_wait);
            await client.SendAsync("through nginx to a unix socket");
            Message echoed = await client.ReceiveAsync().AsTask().WaitAsync(s_wait);
            WebSocketConnection served = server.Connections.Single();

            Assert.That(echoed.Text, Is.EqualTo("through nginx to a unix socket"), nginx.Output);
            Assert.That(served.LocalEndPoint?.ToString(), Is.EqualTo(path));
            await client.CloseAsync(CloseCode.NormalClosure).WaitAsync(s_wait);
            Assert.That(client.ClosedException?.IsNormal, Is.True);
            await stop.CancelAsync();
            await accepting.WaitAsync(s_wait);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task WithoutTheUpgradeHeaders_TheServerAnswers426ThroughNginx()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(ws => ws, "127.0.0.1", 0);
        string configuration = string.Join('\n', GuideConfiguration().Split('\n')
            .Where(line => !line.Contains("proxy_set_header Upgrade", StringComparison.Ordinal) && !line.Contains("proxy_set_header Connection", StringComparison.Ordinal)));
        await using ProxyServer nginx = await ProxyServer.StartNginxAsync(configuration, server.EndPoint.Port);

        HandshakeRejectedException? rejected = await Assert.ThrowsAsync<HandshakeRejectedException>(
            async () => await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/")).WaitAsync(s_wait));

        Assert.That(rejected?.StatusCode, Is.EqualTo(426), "as the guide says: a plain request reaches the server");
    }

    /// <summary>The accept loop of docs/howto/nginx.md's Unix-socket server: each accepted stream becomes a session.</summary>
    private static async Task AcceptAsync(Socket listener, WebSocketServer server, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Socket accepted = await listener.AcceptAsync(cancellationToken);
                _ = server.RunAcceptedAsync(new NetworkStream(accepted, ownsSocket: true), cancellationToken: CancellationToken.None); // stopping the loop is not aborting the sessions
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The http-block directives of docs/howto/nginx.md: its <c>map</c> and its <c>location /</c>
    /// block as written, its <c>upstream</c> pointed at the test's server, and a plain listener on
    /// 127.0.0.1 in place of its TLS lines.
    /// </summary>
    private static string GuideConfiguration()
    {
        string guide = File.ReadAllText(Path.Combine(Peers.ProjectDirectory, "..", "..", "docs", "howto", "nginx.md"));
        string block = Regex.Match(guide, "```nginx\\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        string map = Block(block, "map $http_upgrade");
        string upstream = Regex.Replace(Block(block, "upstream rxsockets"), @"127\.0\.0\.1:\d+", "127.0.0.1:UPSTREAM_PORT");
        string location = Block(block, "location / ");
        return $"{map}\n{upstream}\nserver {{\n    listen 127.0.0.1:LISTEN_PORT;\n{location}\n}}\n";
    }

    /// <summary>The block of <paramref name="text"/> that starts with <paramref name="start"/>, to its closing brace (no nested blocks).</summary>
    private static string Block(string text, string start)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.That(from, Is.GreaterThanOrEqualTo(0), $"docs/howto/nginx.md has no \"{start}\" block");
        int to = text.IndexOf('}', from);
        return text[from..(to + 1)];
    }
}
