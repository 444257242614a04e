using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// After this side's close, a consumer that took nothing for a quarter of the close timeout stops
/// holding up the closing handshake: what does not fit in the queue is dropped, and so is every
/// message after it, so the consumer never sees a stream with a hole in it.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class DropAfterCloseTests
{
    [Test]
    public async Task StalledConsumerAfterOurClose_LaterMessagesThatWouldFit_AreDroppedToo()
    {
        var time = new RecordingTimeProvider();
        var logs = new FakeLogCollector();
        var options = new WebSocketOptions { PingInterval = null, MaxQueue = 2, CloseTimeout = TimeSpan.FromSeconds(8), TimeProvider = time, LoggerFactory = new FakeLoggerFactory(logs) };
        var toServer = new Pipe();
        var fromServer = new Pipe();
        var transport = new DuplexPipeTransport(new Duplex(toServer.Reader, fromServer.Writer), null, null, flushHandsOff: false);
        var server = new WebSocketConnection(transport, ConnectionSide.Server, options, null, null);
        server.Start();
        using var client = new ProtocolConnection(ConnectionSide.Client);

        await SendAsync(client, toServer.Writer, "0", "1", "2", "3", "4");
        Assert.That((await server.ReceiveAsync().AsTask().Within()).Text, Is.EqualTo("0")); // a consumer, which then stalls
        _ = server.CloseAsync(CloseCode.GoingAway); // our close: reading must now reach the peer's
        await time.WhenTimersCreated(TimeSpan.FromSeconds(2), 1).Within(); // the stall check, while "3" waits for room
        time.Advance(TimeSpan.FromSeconds(2)); // a quarter of the close timeout with nothing taken
        await WaitForDropsAsync(logs, 2).Within(); // "3" and "4"

        Assert.That((await server.ReceiveAsync().AsTask().Within()).Text, Is.EqualTo("1"));
        Assert.That((await server.ReceiveAsync().AsTask().Within()).Text, Is.EqualTo("2")); // the queue has room again
        await SendAsync(client, toServer.Writer, "5"); // would fit now
        await WaitForDropsAsync(logs, 3).Within();
        client.SendClose(new CloseStatus(CloseCode.GoingAway), toServer.Writer); // the peer's echo, then its end of stream
        await toServer.Writer.FlushAsync();
        await toServer.Writer.CompleteAsync();
        await server.Completion.Within();

        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await server.ReceiveAsync().AsTask().Within(), "after 1 and 2 the stream ends: 5 was not delivered after the hole");
        server.Abort();
    }

    private static async Task SendAsync(ProtocolConnection client, PipeWriter output, params string[] texts)
    {
        foreach (string text in texts)
        {
            client.SendText(text.AsSpan(), output);
        }

        await output.FlushAsync();
    }

    /// <summary>Waits until the connection logged <paramref name="count"/> dropped messages (event 8); polls, since nothing else announces a drop.</summary>
    private static async Task WaitForDropsAsync(FakeLogCollector logs, int count)
    {
        using var deadline = new CancellationTokenSource(Signals.Limit);
        while (logs.GetSnapshot().Count(record => record.Id.Id == 8) < count)
        {
            await Task.Delay(5, deadline.Token); // bounded: a drop that never comes fails the test
        }
    }
}
