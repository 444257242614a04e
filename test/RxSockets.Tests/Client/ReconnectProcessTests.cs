using System;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>A reconnecting client of the Echo example run as its own process, stopped with SIGTERM and started again on the same port.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed partial class ReconnectProcessTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Reconnecting_EchoProcessRestarts_ClientComesBackAndBufferedMessagesGoOut()
    {
        (Process first, Uri uri) = await StartEchoAsync(0);
        Process? second = null;
        var states = Channel.CreateUnbounded<ReconnectStatus>();
        var received = Channel.CreateUnbounded<string>();
        try
        {
            await using ReconnectingWebSocket ws = WebSocketClient.Reconnecting(uri, reconnect: new ReconnectOptions
            {
                Backoff = new Backoff { InitialDelay = TimeSpan.FromMilliseconds(200), MinDelay = TimeSpan.FromMilliseconds(200), Factor = 2, MaxDelay = TimeSpan.FromSeconds(1) },
                WhileDisconnected = DisconnectedSends.Buffer,
            });
            ws.StateChanges.Subscribe(s => states.Writer.TryWrite(s));
            ws.Subscribe(m => received.Writer.TryWrite(m.Text));
            await WaitForAsync(states, ReconnectState.Open);
            await ws.SendAsync("before");
            Assert.That(await received.Reader.ReadAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("before"));

            await StopAsync(first); // SIGTERM: the server closes its connections with 1001
            ReconnectStatus lost = await WaitForAsync(states, ReconnectState.Reconnecting);
            Assert.That(lost.Error, Is.InstanceOf<ConnectionClosedException>().With.Property("Code").EqualTo(CloseCode.GoingAway), lost.ToString());
            ws.OnNext("sent while the server was down");

            (second, _) = await StartEchoAsync(uri.Port);
            await WaitForAsync(states, ReconnectState.Open);

            Assert.That(await received.Reader.ReadAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("sent while the server was down"));
        }
        finally
        {
            Kill(first);
            if (second is not null)
            {
                Kill(second);
            }
        }
    }

    private static async Task<(Process Process, Uri Uri)> StartEchoAsync(int port)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Echo.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start)!;
        string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(s_wait);
        Match uri = WsUri().Match(line ?? string.Empty);
        Assert.That(uri.Success, Is.True, $"expected a ws:// URI in '{line}'");
        return (process, new Uri(uri.Value));
    }

    private static async Task StopAsync(Process process)
    {
        using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(s_wait);
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private static async Task<ReconnectStatus> WaitForAsync(Channel<ReconnectStatus> states, ReconnectState state)
    {
        while (true)
        {
            ReconnectStatus status = await states.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
            if (status.State == state)
            {
                return status;
            }

            Assert.That(status.State, Is.Not.EqualTo(ReconnectState.Closed), status.ToString());
        }
    }

    [GeneratedRegex(@"ws://[^\s]+/")]
    private static partial Regex WsUri();
}
