using System;
using System.Threading.Channels;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Compliance;

/// <summary>A reconnecting client of a real python websockets server that is stopped and started again on the same port.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class ReconnectInteropTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Reconnecting_PythonServerRestarts_ClientComesBackOnItsOwn()
    {
        (PeerProcess first, int port) = await Peers.StartServerAsync(PeerKind.Python);
        PeerProcess? second = null;
        var states = Channel.CreateUnbounded<ReconnectStatus>();
        var received = Channel.CreateUnbounded<string>();
        try
        {
            await using ReconnectingWebSocket ws = WebSocketClient.Reconnecting(new Uri($"ws://127.0.0.1:{port}/echo"), reconnect: new ReconnectOptions
            {
                // Short real delays: the test waits for the restart, not for python's 0-5 s curve.
                Backoff = new Backoff { InitialDelay = TimeSpan.FromMilliseconds(200), MinDelay = TimeSpan.FromMilliseconds(200), Factor = 2, MaxDelay = TimeSpan.FromSeconds(1) },
            });
            ws.StateChanges.Subscribe(s => states.Writer.TryWrite(s));
            ws.Subscribe(m => received.Writer.TryWrite(m.Text));

            await WaitForAsync(states, ReconnectState.Open);
            await ws.SendAsync("before the restart");
            Assert.That(await received.Reader.ReadAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("before the restart"));

            await first.DisposeAsync(); // stdin closes: python websockets shuts down, closing with 1001
            ReconnectStatus lost = await WaitForAsync(states, ReconnectState.Reconnecting);
            Assert.That(lost.Error, Is.InstanceOf<ConnectionClosedException>().With.Property("Code").EqualTo(CloseCode.GoingAway), lost.ToString());

            (second, _) = await Peers.StartServerAsync(PeerKind.Python, port);
            await WaitForAsync(states, ReconnectState.Open);
            await ws.SendAsync("after the restart");

            Assert.That(await received.Reader.ReadAsync().AsTask().WaitAsync(s_wait), Is.EqualTo("after the restart"));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
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
}
