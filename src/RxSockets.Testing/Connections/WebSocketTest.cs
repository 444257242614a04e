using System;
using System.Collections.Generic;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace RxSockets.Testing;

/// <summary>
/// Runs a server handler against a scripted client in virtual time: "the client sends
/// <c>-a--b--|</c>", then assert "the server sends <c>-A--B--|</c>" and the close code.
/// </summary>
/// <remarks>
/// <para>
/// The handler runs exactly as <see cref="WebSocketServer"/> runs it (1000 when it returns or its
/// stream completes, 1011 when it fails), over a <see cref="VirtualConnectionPair"/>. The client's
/// diagram is played at its virtual times: a value is sent, <c>|</c> closes with 1000, <c>#</c>
/// fails the client (1011). Replies arrive at the same virtual instant unless faults add latency.
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
    /// <param name="client">What the client sends, as a marble diagram.</param>
    /// <param name="values">What each character stands for; <see langword="null"/> for <see cref="Marbles.Letters"/>.</param>
    /// <param name="options">Connection settings; <see langword="null"/> for defaults.</param>
    /// <param name="until">Virtual time to run until (ticks); <see langword="null"/> for one frame after the diagram ends.</param>
    /// <param name="configure">Called with the pair before the diagram plays, to inject faults or subscribe more observers.</param>
    /// <param name="clientOptions">Settings for the scripted client when they must differ from <paramref name="options"/>.</param>
    /// <returns>What the server sent and how the connection ended.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    public static HandlerTestResult Run(TestScheduler scheduler, Func<WebSocketConnection, IObservable<Message>> handler, string client, IReadOnlyDictionary<char, Message>? values = null, WebSocketOptions? options = null, long? until = null, Action<VirtualConnectionPair>? configure = null, WebSocketOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Run(scheduler, HandlerRunner.FromRx(handler), client, values, options, until, configure, clientOptions);
    }

    /// <summary>Runs an async handler (the connection closes when it returns).</summary>
    /// <param name="scheduler">The virtual clock; it is advanced by the run.</param>
    /// <param name="handler">The handler under test; its token is cancelled when the connection closes.</param>
    /// <param name="client">What the client sends, as a marble diagram.</param>
    /// <param name="values">What each character stands for; <see langword="null"/> for <see cref="Marbles.Letters"/>.</param>
    /// <param name="options">Connection settings; <see langword="null"/> for defaults.</param>
    /// <param name="until">Virtual time to run until (ticks); <see langword="null"/> for one frame after the diagram ends.</param>
    /// <param name="configure">Called with the pair before the diagram plays.</param>
    /// <param name="clientOptions">Settings for the scripted client when they must differ from <paramref name="options"/>.</param>
    /// <returns>What the server sent and how the connection ended.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    public static HandlerTestResult Run(TestScheduler scheduler, Func<WebSocketConnection, CancellationToken, Task> handler, string client, IReadOnlyDictionary<char, Message>? values = null, WebSocketOptions? options = null, long? until = null, Action<VirtualConnectionPair>? configure = null, WebSocketOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(client);
        values ??= Marbles.Letters;

        // Everything runs inline on this thread within virtual time; a captured synchronization
        // context (a UI or test framework's) would move continuations out of it.
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return RunCore(scheduler, handler, client, values, options, until, configure, clientOptions);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private static HandlerTestResult RunCore(TestScheduler scheduler, Func<WebSocketConnection, CancellationToken, Task> handler, string client, IReadOnlyDictionary<char, Message> values, WebSocketOptions? options, long? until, Action<VirtualConnectionPair>? configure, WebSocketOptions? clientOptions)
    {
        Recorded<Notification<Message>>[] script = Marbles.Parse(client, values, new WebSocketCloseException(Protocol.CloseCode.InternalError), offset: scheduler.Clock);

        VirtualConnectionPair pair = VirtualConnectionPair.Create(scheduler, options, clientOptions);
        configure?.Invoke(pair);
        ITestableObserver<Message> received = scheduler.CreateObserver<Message>();
        pair.Client.Subscribe(received);
        _ = HandlerRunner.RunAsync(pair.Server, handler, NullLogger.Instance, CancellationToken.None);

        long end = scheduler.Clock;
        foreach (Recorded<Notification<Message>> step in script)
        {
            Notification<Message> notification = step.Value;
            scheduler.ScheduleAbsolute(step.Time, () => notification.Accept(pair.Client));
            end = Math.Max(end, step.Time);
        }

        scheduler.AdvanceTo(until ?? end + Marbles.DefaultFrameTicks);
        return new HandlerTestResult(received.Messages, pair, values);
    }
}
