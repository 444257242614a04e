using System;
using System.Collections.Generic;
using System.Reactive;
using RxSockets.Protocol;

namespace RxSockets.Testing;

/// <summary>What a handler under test did, as seen by the scripted client: the messages the server sent, in virtual time, and how the connection closed.</summary>
/// <remarks>A snapshot taken when the run ended; not thread-safe.</remarks>
public sealed class HandlerTestResult
{
    private readonly IReadOnlyDictionary<char, Message> _values;

    internal HandlerTestResult(IList<Recorded<Notification<Message>>> serverSent, VirtualConnectionPair pair, IReadOnlyDictionary<char, Message> values)
    {
        ServerSent = serverSent;
        Pair = pair;
        _values = values;
    }

    /// <summary>
    /// Every message the server sent, with the virtual time the client received it, then
    /// <c>OnCompleted</c> after a normal close or <c>OnError(ConnectionClosedException)</c> otherwise.
    /// </summary>
    public IList<Recorded<Notification<Message>>> ServerSent { get; }

    /// <summary>The connections, for further assertions (for example <see cref="WebSocketConnection.ClosedException"/>).</summary>
    public VirtualConnectionPair Pair { get; }

    /// <summary>The close frame the client received from the server, if any.</summary>
    public CloseStatus? CloseReceived => Pair.Client.ClosedException?.Received;

    /// <summary>The close frame the client sent, if any.</summary>
    public CloseStatus? CloseSent => Pair.Client.ClosedException?.Sent;

    /// <summary><see cref="ServerSent"/> as a marble diagram.</summary>
    public string ServerSentMarbles => Marbles.Render(ServerSent, _values);

    /// <summary>Checks that the server sent exactly what <paramref name="expected"/> says (<c>|</c>: a normal close; <c>#</c>: any other ending).</summary>
    /// <param name="expected">The expected diagram.</param>
    /// <exception cref="ReactiveAssertionException">The server sent something else; the message shows both diagrams.</exception>
    public void AssertServerSent(string expected) => Marbles.AssertEqual(ServerSent, expected, _values);

    /// <summary>Checks the close code the client received.</summary>
    /// <param name="code">The expected code.</param>
    /// <exception cref="ReactiveAssertionException">The client received another code, or none.</exception>
    public void AssertCloseCode(CloseCode code)
    {
        if (CloseReceived?.Code != code)
        {
            throw new ReactiveAssertionException($"Expected the server to close with {(int)code} ({code}), but the client {(CloseReceived is CloseStatus s ? $"received {s}" : "received no close frame")}.");
        }
    }
}
