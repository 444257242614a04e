using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Tests;

/// <summary>What a <see cref="RawPeer"/> read: the event type, a copy of its payload, and the close status of a close frame.</summary>
internal readonly record struct RawEvent(ProtocolEventType Type, byte[] Payload, CloseStatus CloseStatus);

/// <summary>
/// A client <see cref="WebSocketConnection"/> whose server end is driven by the test: frames are
/// parsed by a bare <see cref="ProtocolConnection"/> and nothing is answered unless the test says so
/// (a peer that ignores pings, or never echoes a close).
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly ProtocolConnection _engine = new(ConnectionSide.Server);
    private readonly Queue<RawEvent> _events = new();

    private RawPeer(WebSocketConnection connection, ITransport transport)
    {
        Connection = connection;
        _transport = transport;
    }

    /// <summary>The connection under test (the client end).</summary>
    public WebSocketConnection Connection { get; }

    public static RawPeer Start(WebSocketOptions options)
    {
        (ITransport a, ITransport b) = InMemoryTransports.CreatePair();
        var connection = new WebSocketConnection(a, ConnectionSide.Client, options, null, null);
        connection.Start();
        return new RawPeer(connection, b);
    }

    /// <summary>Reads the next frame event the connection sent.</summary>
    /// <exception cref="EndOfStreamException">The connection closed its output first.</exception>
    public async Task<RawEvent> ReadEventAsync()
    {
        PipeReader input = _transport.Input;
        while (_events.Count == 0)
        {
            ReadResult result = await input.ReadAsync().AsTask().Within();
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition examined;
            while (true)
            {
                _engine.ReceiveData(buffer, out SequencePosition consumed, out examined);
                buffer = buffer.Slice(consumed);
                bool any = false;
                while (_engine.TryReadEvent(out ProtocolEvent e))
                {
                    any = true;
                    _events.Enqueue(new RawEvent(e.Type, e.Payload.ToArray(), e.CloseStatus));
                }

                if (!any)
                {
                    break;
                }
            }

            input.AdvanceTo(buffer.Start, examined);
            if (result.IsCompleted && _events.Count == 0)
            {
                throw new EndOfStreamException("The connection closed its output.");
            }
        }

        return _events.Dequeue();
    }

    /// <summary>Reads events until one of <paramref name="type"/> (others are skipped).</summary>
    public async Task<RawEvent> ReadUntilAsync(ProtocolEventType type)
    {
        while (true)
        {
            RawEvent e = await ReadEventAsync();
            if (e.Type == type)
            {
                return e;
            }
        }
    }

    /// <summary>Sends what the engine queued by itself: the pong of the last ping read, or a close echo.</summary>
    public async Task AnswerAsync()
    {
        _engine.WritePendingOutput(_transport.Output);
        await _transport.Output.FlushAsync().AsTask().Within();
    }

    /// <summary>Closes the peer's output, as a server does once the closing handshake is over (TCP FIN).</summary>
    public async Task CloseOutputAsync() => await _transport.CloseOutputAsync();

    public async ValueTask DisposeAsync()
    {
        Connection.Abort();
        await Connection.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        _engine.Dispose();
    }
}
