using System;
using System.Collections.Generic;
using System.Reactive;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>What a handler under test did, as seen by the scripted client: the messages the server sent, in virtual time, and how the connection closed.</summary>
/// <remarks>A view of the run's client; not thread-safe.</remarks>
public sealed class HandlerTestResult
{
    internal HandlerTestResult(VirtualClient client, VirtualConnectionPair pair)
    {
        Client = client;
        Pair = pair;
    }

    /// <summary>
    /// Every message the server sent, with the virtual time the client received it, then
    /// <c>OnCompleted</c> after a normal close or <c>OnError(ConnectionClosedException)</c> otherwise.
    /// </summary>
    public IList<Recorded<Notification<Message>>> ServerSent => Client.Received;

    /// <summary>The connections, for further assertions (for example <see cref="WebSocketConnection.ClosedException"/> or the server end's <see cref="WebSocketConnection.Request"/>).</summary>
    public VirtualConnectionPair Pair { get; }

    /// <summary>The scripted client: pings it received, its links, its recording.</summary>
    public VirtualClient Client { get; }

    /// <summary>The close frame the client received from the server, if any.</summary>
    public CloseStatus? CloseReceived => Client.CloseReceived;

    /// <summary>The close frame the client sent, if any.</summary>
    public CloseStatus? CloseSent => Client.CloseSent;

    /// <summary>What the server sent as a diagram counted from the start of the run: messages, the server's pings (<c>*</c>), and the ending with its close code (<c>|{1000}</c>).</summary>
    public string ServerSentMarbles => Client.ReceivedMarbles;

    /// <summary>
    /// Checks that the server sent exactly what <paramref name="expected"/> says, counted from the
    /// start of the run: <c>|</c> a normal close, <c>#</c> any other ending, <c>|{1001}</c> or
    /// <c>#{1011}</c> with that close code, <c>*</c> a ping (pings count only when the diagram has one).
    /// </summary>
    /// <param name="expected">The expected diagram.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expected"/> is null.</exception>
    /// <exception cref="ReactiveAssertionException">The server sent something else; the message shows both diagrams.</exception>
    public void AssertServerSent(string expected) => Client.AssertReceived(expected);

    /// <summary>Checks the close code the client received.</summary>
    /// <param name="code">The expected code.</param>
    /// <exception cref="ReactiveAssertionException">The client received another code, or none.</exception>
    public void AssertCloseCode(CloseCode code) => Client.AssertCloseCode(code);
}
