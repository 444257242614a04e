using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// Runs a server handler against a scripted client in virtual time: "the client sends
/// <c>-a--b--|</c>", then assert "the server sends <c>-A--B--|</c>" and the close code.
/// </summary>
/// <remarks>
/// <para>
/// The handler runs in a <see cref="WebSocketServer"/> (1000 when it returns or its stream
/// completes, 1011 when it fails), reached by one client through a real opening handshake over
/// in-memory links (<see cref="VirtualServer"/> with one <see cref="VirtualClient"/>). The client's
/// diagram is played at its virtual times, counted from the start of the run: a value is sent,
/// <c>*</c> sends a ping, <c>|</c> closes with 1000, <c>#</c> fails the client (1011),
/// <c>|{1001}</c> closes with that code, <c>^</c> is when the client connects (at once without
/// one). Replies arrive at the same virtual instant unless faults add latency. The run lasts until
/// the end of the diagram, trailing <c>-</c> included, or until <c>until</c>.
/// </para>
/// <example>
/// <code>
/// var scheduler = new TestScheduler();
/// HandlerTestResult result = WebSocketTest.Run(scheduler,
///     ws =&gt; ws.Select(m =&gt; Message.FromText(m.Text.ToUpperInvariant())),
///     client: "-a--b--|");
/// result.AssertServerSent("-A--B--|");
/// result.AssertCloseCode(CloseCode.NormalClosure);
/// </code>
/// </example>
/// <para>Not thread-safe: one run per scheduler at a time, from the test's thread.</para>
/// </remarks>
public static class WebSocketTest
{
    /// <summary>Runs an Rx handler (the stream it returns is sent).</summary>
    /// <param name="scheduler">The virtual clock; it is advanced by the run.</param>
    /// <param name="handler">The handler under test.</param>
    /// <param name="client">What the client does, as a connection diagram.</param>
    /// <param name="values">What each character stands for; <see langword="null"/> for <see cref="Marbles.Letters"/>.</param>
    /// <param name="options">Connection settings; a <see cref="WebSocketServerOptions"/> also sets subprotocols, <c>ProcessRequest</c> and origins. <see langword="null"/> for defaults.</param>
    /// <param name="until">Virtual time to run until (ticks); <see langword="null"/> for the end of the diagram.</param>
    /// <param name="configure">Called with the pair once the handshake is done and before the diagram plays, to inject faults or subscribe more observers.</param>
    /// <param name="clientOptions">Settings for the scripted client when they must differ from <paramref name="options"/>; a <see cref="WebSocketClientOptions"/> also sets the request's headers, origin and subprotocols.</param>
    /// <param name="path">The request target, path and query (<c>"/chat?room=1"</c>): what the handler reads from <see cref="WebSocketConnection.Path"/> and <see cref="WebSocketConnection.Request"/>.</param>
    /// <returns>What the server sent and how the connection ended.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed.</exception>
    /// <exception cref="HandshakeException">The opening handshake failed (a <see cref="HandshakeRejectedException"/> when the server refused it); test refusals with <see cref="VirtualServer"/>.</exception>
    public static HandlerTestResult Run(TestScheduler scheduler, Func<WebSocketConnection, IObservable<Message>> handler, string client, IReadOnlyDictionary<char, Message>? values = null, WebSocketOptions? options = null, long? until = null, Action<VirtualConnectionPair>? configure = null, WebSocketOptions? clientOptions = null, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Run(scheduler, (accepted, o) => WebSocketServer.CreateUnbound(ws =>
        {
            accepted(ws);
            return handler(ws);
        }, o), client, values, options, until, configure, clientOptions, path);
    }

    /// <summary>Runs an async handler (the connection closes when it returns).</summary>
    /// <param name="scheduler">The virtual clock; it is advanced by the run.</param>
    /// <param name="handler">The handler under test; its token is cancelled when the connection closes.</param>
    /// <param name="client">What the client does, as a connection diagram.</param>
    /// <param name="values">What each character stands for; <see langword="null"/> for <see cref="Marbles.Letters"/>.</param>
    /// <param name="options">Connection settings; a <see cref="WebSocketServerOptions"/> also sets subprotocols, <c>ProcessRequest</c> and origins. <see langword="null"/> for defaults.</param>
    /// <param name="until">Virtual time to run until (ticks); <see langword="null"/> for the end of the diagram.</param>
    /// <param name="configure">Called with the pair once the handshake is done and before the diagram plays.</param>
    /// <param name="clientOptions">Settings for the scripted client when they must differ from <paramref name="options"/>; a <see cref="WebSocketClientOptions"/> also sets the request's headers, origin and subprotocols.</param>
    /// <param name="path">The request target, path and query (<c>"/chat?room=1"</c>).</param>
    /// <returns>What the server sent and how the connection ended.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed.</exception>
    /// <exception cref="HandshakeException">The opening handshake failed (a <see cref="HandshakeRejectedException"/> when the server refused it); test refusals with <see cref="VirtualServer"/>.</exception>
    public static HandlerTestResult Run(TestScheduler scheduler, Func<WebSocketConnection, CancellationToken, Task> handler, string client, IReadOnlyDictionary<char, Message>? values = null, WebSocketOptions? options = null, long? until = null, Action<VirtualConnectionPair>? configure = null, WebSocketOptions? clientOptions = null, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Run(scheduler, (accepted, o) => WebSocketServer.CreateUnbound((ws, ct) =>
        {
            accepted(ws);
            return handler(ws, ct);
        }, o), client, values, options, until, configure, clientOptions, path);
    }

    /// <summary>Checks the arguments and runs with no synchronization context (see the public overloads).</summary>
    private static HandlerTestResult Run(TestScheduler scheduler, Func<Action<WebSocketConnection>, WebSocketServerOptions, WebSocketServer> createServer, string client, IReadOnlyDictionary<char, Message>? values, WebSocketOptions? options, long? until, Action<VirtualConnectionPair>? configure, WebSocketOptions? clientOptions, string path)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(path);
        values ??= Marbles.Letters;
        using (NoSynchronizationContext.Enter())
        {
            return RunCore(scheduler, createServer, client, values, options, until, configure, clientOptions, path);
        }
    }

    /// <summary>Runs one scripted client against a server from <paramref name="createServer"/>, whose handler first hands each connection to the callback it is given.</summary>
    private static HandlerTestResult RunCore(TestScheduler scheduler, Func<Action<WebSocketConnection>, WebSocketServerOptions, WebSocketServer> createServer, string client, IReadOnlyDictionary<char, Message> values, WebSocketOptions? options, long? until, Action<VirtualConnectionPair>? configure, WebSocketOptions? clientOptions, string path)
    {
        (_, _, long frames) = ConnectionDiagram.Parse(client, values);
        WebSocketConnection? serverEnd = null;
        VirtualServer host = VirtualServer.Create(scheduler, scheduler, o => createServer(ws => serverEnd = ws, o), options);

        VirtualConnectionPair? pair = null;
        VirtualClient scripted = host.Connect(client, path, clientOptions ?? options, values, configure: null, opened: c =>
        {
            pair = new VirtualConnectionPair(c.Connection!, serverEnd ?? throw new InvalidOperationException("The server accepted no connection."), c.ClientToServer, c.ServerToClient, host);
            configure?.Invoke(pair);
        }, pipeBuffer: 64 * 1024);

        if (scripted.Connected.IsFaulted)
        {
            scripted.Connected.GetAwaiter().GetResult(); // the handshake's own exception
        }

        scheduler.AdvanceTo(until ?? host.Origin + (frames * Marbles.DefaultFrameTicks));
        if (pair is null)
        {
            if (scripted.Connected.IsFaulted)
            {
                scripted.Connected.GetAwaiter().GetResult();
            }

            throw new InvalidOperationException("The opening handshake did not complete before the end of the run.");
        }

        return new HandlerTestResult(scripted, pair);
    }
}
