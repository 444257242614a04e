using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>Every example runs and does what the README says.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed partial class ExamplesTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Hello_GreetsByName()
    {
        await using WebSocketServer server = await Hello.Program.StartServerAsync(0);

        string greeting = await Hello.Program.GreetAsync(server.Uri, "Ada");

        Assert.That(greeting, Is.EqualTo("Hello Ada!"));
    }

    [Test]
    public async Task Patterns_Consumer_ConsumesEveryMessage()
    {
        Assert.That(await Patterns.Consumer.DemoAsync().WaitAsync(s_wait), Is.EqualTo(new[] { "consumed apple", "consumed banana", "consumed cherry" }));
    }

    [Test]
    public async Task Patterns_Producer_PushesTicksInOrder()
    {
        Assert.That(await Patterns.Producer.DemoAsync().WaitAsync(s_wait), Is.EqualTo(new[] { "received tick 0", "received tick 1", "received tick 2" }));
    }

    [Test]
    public async Task Patterns_Both_MergesRepliesAndFeed()
    {
        var lines = await Patterns.Both.DemoAsync().WaitAsync(s_wait);

        Assert.That(lines, Is.EquivalentTo(new[] { "received welcome", "received HELLO", "received RX" }));
        Assert.That(lines.Where(l => l != "received welcome"), Is.EqualTo(new[] { "received HELLO", "received RX" }), "replies keep their order");
    }

    [Test]
    public async Task Patterns_Chat_BroadcastsToEveryone()
    {
        var lines = await Patterns.Chat.DemoAsync().WaitAsync(s_wait);

        Assert.That(lines, Has.Count.EqualTo(2));
        Assert.That(lines[0], Does.EndWith(": hi bob"));
        Assert.That(lines[1], Does.EndWith(": hi alice"));
    }

    /// <summary>
    /// The Echo example as its own process; also with the runtime's inline socket completions,
    /// which README ("Tuning a dedicated server") says a dedicated server may turn on, and with the
    /// Linux poll threads turned off or set to three (connections dealt out among them).
    /// </summary>
    [TestCase("", "", TestName = "Echo_AsProcess_PrintsUriEchoesAndExitsOnSigterm")]
    [TestCase("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1", TestName = "Echo_AsProcess_InlineCompletions")]
    [TestCase("RXSOCKETS_SOCKET_POLLER", "0", TestName = "Echo_AsProcess_PollerOff")]
    [TestCase("RXSOCKETS_SOCKET_POLLER", "3", TestName = "Echo_AsProcess_ThreePollThreads")]
    public async Task Echo_AsProcess_PrintsUriEchoesAndExitsOnSigterm(string variable, string value)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Echo.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--host", "127.0.0.1", "--port", "0"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (variable.Length > 0)
        {
            start.Environment[variable] = value;
        }

        using Process process = Process.Start(start)!;
        try
        {
            string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(s_wait);
            Match uri = WsUri().Match(line ?? string.Empty);
            Assert.That(uri.Success, Is.True, $"expected a ws:// URI in '{line}'");

            var big16 = new ProtocolLimits { MaxMessageSize = 16 << 20, MaxFrameSize = 16 << 20 };
            await using (WebSocketConnection client = await WebSocketClient.ConnectAsync(new Uri(uri.Value), new WebSocketClientOptions { Limits = big16 }))
            {
                byte[] big = new byte[2 * 1024 * 1024]; // above the default 1 MiB: Echo allows 16 MiB
                Random.Shared.NextBytes(big);
                await client.SendAsync("text ✓");
                await client.SendAsync(big);
                for (int i = 0; i < 200; i++)
                {
                    client.OnNext(Message.FromBinary(big.AsMemory(i, 100 + i)));
                }

                Assert.That((await client.ReceiveAsync()).Text, Is.EqualTo("text ✓"));
                Assert.That((await client.ReceiveAsync()).Data.ToArray(), Is.EqualTo(big));
                for (int i = 0; i < 200; i++)
                {
                    Assert.That((await client.ReceiveAsync().AsTask().WaitAsync(s_wait)).Data.ToArray(), Is.EqualTo(big.AsMemory(i, 100 + i).ToArray()));
                }
            }

            WebSocketConnection[] more = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => WebSocketClient.ConnectAsync(new Uri(uri.Value))));
            string[] echoed = await Task.WhenAll(more.Select(async (client, i) =>
            {
                await client.SendAsync($"client {i}");
                return await client.ReceiveTextAsync().AsTask().WaitAsync(s_wait);
            }));
            await Task.WhenAll(more.Select(c => c.DisposeAsync().AsTask()));
            Assert.That(echoed, Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"client {i}").ToArray()));
            if (OperatingSystem.IsLinux() && variable == "RXSOCKETS_SOCKET_POLLER")
            {
                int pollThreads = Directory.GetDirectories($"/proc/{process.Id}/task")
                    .Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == "RxSockets poll");
                Assert.That(pollThreads, Is.EqualTo(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)), "poll threads in the server process");
            }

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(s_wait);
            Assert.That(process.ExitCode, Is.Zero);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex(@"ws://[^\s]+/")]
    private static partial Regex WsUri();
}
