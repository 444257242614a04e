using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Connections;

/// <summary>
/// Answers sent while the subscriber pump delivers a run of received messages (an Rx echo, a
/// request-reply observable) are written together when the run ends, with one flush on the pump's
/// thread; a sender that waits for its frame, a ping, and a run that has queued a batch's worth of
/// bytes are written at once instead. A run of prepared messages offered with one <c>TrySend</c> is
/// written together the same way.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class BurstTests
{
    [Test]
    public async Task RxEcho_OfARunAlreadyReceived_IsWrittenWithOneFlush([Values] bool flushHandsOff)
    {
        await using var server = Server.Start(flushHandsOff);
        await server.ReceiveFramesAsync(Enumerable.Range(0, 10).Select(Traffic.Number));

        using IDisposable echo = server.Connection.Subscribe(server.Connection);
        List<string> echoed = await server.ReadTextsAsync(10);

        Assert.That(echoed, Is.EqualTo(Traffic.Numbers(10)));
        Assert.That(server.Output.Flushes, Is.EqualTo(1), "the ten answers of one run go out with one flush");
    }

    [Test]
    public async Task AwaitedSendInsideARun_IsWrittenAtOnce_EvenWhenItsSenderBlocks([Values] bool flushHandsOff)
    {
        await using var server = Server.Start(flushHandsOff);
        await server.ReceiveFramesAsync(["a", "b", "c"]);
        var blockedSendsDone = new List<bool>();
        var allReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Bad manners (blocking inside OnNext), but it must not deadlock: an awaited send does not
        // wait for the end of the run its own thread is delivering.
        using IDisposable subscription = server.Connection.Subscribe(message =>
        {
            server.Connection.OnNext(message); // queued for the end of the run
            blockedSendsDone.Add(server.Connection.SendAsync(message.Text + "!").AsTask().Wait(Signals.Limit));
            if (blockedSendsDone.Count == 3)
            {
                allReturned.SetResult();
            }
        });
        List<string> received = await server.ReadTextsAsync(6);
        await allReturned.Task.Within(); // the last Wait returns after its frame was written

        Assert.That(blockedSendsDone, Is.EqualTo(new[] { true, true, true }));
        Assert.That(received, Is.EqualTo(new[] { "a", "a!", "b", "b!", "c", "c!" }), "acceptance order holds");
    }

    [Test]
    public async Task PingInsideARun_IsWrittenAtOnce_WithWhatWasQueuedBeforeIt()
    {
        await using var server = Server.Start(flushHandsOff: true);
        await server.ReceiveFramesAsync(["go"]);
        using var pingSeen = new ManualResetEventSlim();
        Task<List<string>> reading = server.ReadTextsAsync(2, onPing: pingSeen.Set);
        bool pingWrittenDuringTheRun = false;

        using IDisposable subscription = server.Connection.Subscribe(message =>
        {
            server.Connection.OnNext("before"); // left for the end of the run
            _ = server.Connection.PingAsync(); // its pong never comes: this peer does not answer
            pingWrittenDuringTheRun = pingSeen.Wait(Signals.Limit); // still inside the run
            server.Connection.OnNext("after");
        });
        List<string> received = await reading.Within();

        Assert.That(pingWrittenDuringTheRun, Is.True, "a ping does not wait for the run to end");
        Assert.That(received, Is.EqualTo(new[] { "before", "after" }), "acceptance order holds");
    }

    [Test]
    public async Task ARunThatQueuesABatchOfBytes_IsWrittenBeforeTheRunEnds()
    {
        await using var server = Server.Start(flushHandsOff: true);
        await server.ReceiveFramesAsync(["go"]);
        using var outputSeen = new ManualResetEventSlim();
        Task<List<string>> reading = server.ReadTextsAsync(3, onFirstBytes: outputSeen.Set);
        var writtenDuringTheRun = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        using IDisposable subscription = server.Connection.Subscribe(_ =>
        {
            for (int i = 0; i < 3; i++)
            {
                server.Connection.OnNext(new string((char)('a' + i), 100 * 1024));
            }

            // Still inside the run: 300 KiB are queued, more than one batch, so the drain runs now.
            writtenDuringTheRun.SetResult(outputSeen.Wait(Signals.Limit));
        });
        List<string> received = await reading.Within();

        Assert.That(await writtenDuringTheRun.Task.Within(), Is.True); // the reader may finish before the observer wakes
        Assert.That(received.Select(text => (text[0], text.Length)), Is.EqualTo(new[] { ('a', 102400), ('b', 102400), ('c', 102400) }));
    }

    [Test]
    public async Task TrySendOfARun_IsWrittenWithOneFlush_WhereOneByOneIsAFlushEach()
    {
        // A transport whose flush hands off (a socket) lets a sender write at once: one by one,
        // each prepared message is its own write; offered as one run, they are written together.
        await using var server = Server.Start(flushHandsOff: true);
        PreparedMessage[] run = Traffic.Numbers(10).Select(text => new PreparedMessage(Message.FromText(text))).ToArray();

        int accepted = server.Connection.TrySend(run);
        List<string> first = await server.ReadTextsAsync(10);
        int runFlushes = server.Output.Flushes;
        foreach (PreparedMessage message in run)
        {
            Assert.That(server.Connection.TrySend(message), Is.True);
        }

        List<string> second = await server.ReadTextsAsync(10);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.EqualTo(10));
            Assert.That(first, Is.EqualTo(Traffic.Numbers(10)));
            Assert.That(second, Is.EqualTo(Traffic.Numbers(10)));
            Assert.That(runFlushes, Is.EqualTo(1), "the run: one flush");
            Assert.That(server.Output.Flushes - runFlushes, Is.GreaterThan(1), "one by one: a flush each");
        }
    }

    [Test]
    public async Task TrySendOfARun_StopsAtTheHighWaterMark_AndSaysHowManyItTook()
    {
        await using var server = Server.Start(flushHandsOff: true, new WebSocketOptions { WriteHighWaterMark = 1024 });
        string text = new('x', 300);
        PreparedMessage[] run = Enumerable.Range(0, 8).Select(_ => new PreparedMessage(Message.FromText(text))).ToArray();

        // Queued until the run ends, so the buffer grows with each: 0, 300, 600 and 900 bytes are
        // below the mark when offered; the fifth finds 1,200 and is refused, and the rest with it.
        int accepted = server.Connection.TrySend(run);
        List<string> received = await server.ReadTextsAsync(accepted);

        Assert.That(accepted, Is.EqualTo(4));
        Assert.That(received, Has.Count.EqualTo(4).And.All.EqualTo(text));
    }

    [Test]
    public async Task TrySendOfARun_WithANullElement_ThrowsAndAcceptsNothing()
    {
        await using var server = Server.Start(flushHandsOff: true);
        var message = new PreparedMessage(Message.FromText("a"));

        Assert.That(() => server.Connection.TrySend([message, null!]), Throws.ArgumentNullException);
        Assert.That(server.Connection.TrySend([message]), Is.EqualTo(1));
        Assert.That(await server.ReadTextsAsync(1), Is.EqualTo(new[] { "a" }), "only the later, valid run was sent");
        Assert.That(server.Connection.TrySend(ReadOnlySpan<PreparedMessage>.Empty), Is.Zero);
    }

    /// <summary>A server connection over two pipes: the test frames what it receives and parses what it writes, counting its flushes.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Pipe _toServer = new();
        private readonly Pipe _fromServer = new();
        private readonly ProtocolConnection _client = new(ConnectionSide.Client);

        private Server(bool flushHandsOff, WebSocketOptions? options)
        {
            Output = new CountingWriter(_fromServer.Writer);
            var transport = new DuplexPipeTransport(new Duplex(_toServer.Reader, Output), null, null, flushHandsOff);
            Connection = new WebSocketConnection(transport, ConnectionSide.Server, options ?? new WebSocketOptions(), null, null);
        }

        public WebSocketConnection Connection { get; }

        public CountingWriter Output { get; }

        public static Server Start(bool flushHandsOff, WebSocketOptions? options = null)
        {
            var server = new Server(flushHandsOff, options);
            server.Connection.Start();
            return server;
        }

        /// <summary>Sends <paramref name="texts"/> in one write and waits until all of them wait in the connection's incoming queue.</summary>
        public async Task ReceiveFramesAsync(IEnumerable<string> texts)
        {
            int count = 0;
            foreach (string text in texts)
            {
                _client.SendText(text.AsSpan(), _toServer.Writer);
                count++;
            }

            await _toServer.Writer.FlushAsync().Within();
            using var deadline = new CancellationTokenSource(Signals.Limit);
            while (Connection.IncomingCount < count)
            {
                await Task.Delay(5, deadline.Token); // bounded poll: no event announces a queued message
            }
        }

        /// <summary>Reads <paramref name="count"/> text messages the connection wrote.</summary>
        public async Task<List<string>> ReadTextsAsync(int count, Action? onFirstBytes = null, Action? onPing = null)
        {
            var texts = new List<string>();
            PipeReader input = _fromServer.Reader;
            while (texts.Count < count)
            {
                ReadResult result = await input.ReadAsync().AsTask().Within();
                onFirstBytes?.Invoke();
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition examined;
                bool any;
                do
                {
                    _client.ReceiveData(buffer, out SequencePosition consumed, out examined);
                    buffer = buffer.Slice(consumed);
                    any = false;
                    while (_client.TryReadEvent(out ProtocolEvent e))
                    {
                        any = true;
                        if (e.Type == ProtocolEventType.TextMessage)
                        {
                            texts.Add(System.Text.Encoding.UTF8.GetString(e.Payload.ToArray()));
                        }
                        else if (e.Type == ProtocolEventType.Ping)
                        {
                            onPing?.Invoke();
                        }
                    }
                }
                while (any);

                input.AdvanceTo(buffer.Start, examined);
                Assert.That(result.IsCompleted && texts.Count < count, Is.False, "the connection closed its output early");
            }

            return texts;
        }

        public async ValueTask DisposeAsync()
        {
            Connection.Abort();
            await Connection.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            _client.Dispose();
        }
    }

    /// <summary>A pipe writer that counts the flushes made on it.</summary>
    private sealed class CountingWriter(PipeWriter inner) : PipeWriter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            return inner.FlushAsync(cancellationToken);
        }
    }
}
