using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace RxSockets;

/// <summary>
/// One of RxSockets' own <c>epoll</c> threads for server sockets on Linux: it wakes each
/// <see cref="SocketTransport"/>'s loops inline (<see cref="PolledSocketIO"/>), where the
/// runtime's socket engine would queue them to the thread pool.
/// </summary>
/// <remarks>
/// <para>
/// Why: with the runtime's engine every received batch changes threads before a byte is parsed:
/// the engine's <c>epoll</c> thread queues the completion, a thread-pool worker runs it.
/// On a busy core that hand-over (a wake-up, a context switch, the worker's spinning) cost more
/// than the WebSocket work itself. The runtime can run completions inline
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>), but only for every socket of the
/// process, including ones whose continuations block. Here only RxSockets' transport loops run
/// on the poll thread; they parse and queue, and everything user code sees (handlers, observers,
/// resumed senders) still runs on the thread pool.
/// </para>
/// <para>
/// How: sockets are non-blocking and registered once, edge-triggered, for both directions. The
/// loops call the socket's synchronous <c>Receive</c>/<c>Send</c>, which return at once, and wait
/// on a <see cref="ReadinessSignal"/> only when the kernel had nothing (or no room). A receive
/// that did not fill its buffer drained the socket, so the loop waits without asking again.
/// A closed socket leaves the <c>epoll</c> set by itself; <see cref="Registration.Dispose"/>
/// frees the slot. Events carry a slot and a generation, so a late event for a freed slot that
/// was reused is ignored.
/// </para>
/// <para>
/// How many: <see cref="WebSocketServerOptions.SocketPollerThreads"/> of the first server that
/// starts the group, by default half the processors (at least one, at most 16), each thread with
/// its own <c>epoll</c> set; sockets are dealt out in turn. The environment variable
/// <c>RXSOCKETS_SOCKET_POLLER</c> overrides it: <c>0</c> turns the poller off for the process,
/// a positive number sets the thread count. <see cref="WebSocketServerOptions.UseSocketPoller"/>
/// turns it off per server.
/// </para>
/// <para>
/// Scheduling: each poll thread runs under Linux's <c>SCHED_BATCH</c> policy, so waking it never
/// preempts the worker on its core mid-batch (<see cref="ThreadScheduling"/>).
/// </para>
/// </remarks>
internal sealed class SocketPoller
{
    /// <summary>Events read per <c>epoll_wait</c>.</summary>
    private const int MaxEvents = 256;

    /// <summary>Guards the creation of <see cref="s_group"/>.</summary>
    private static readonly Lock s_groupLock = new();

    /// <summary>The process's poll threads, created by the first <see cref="Next"/>; empty where there are none.</summary>
    private static SocketPoller[]? s_group;

    private static int s_turn;

    private readonly int _epollFd;
    private readonly object _gate = new();
    private readonly Stack<int> _free = new();
    private Registration?[] _slots = new Registration?[64];
    private int _used;

    private SocketPoller(int epollFd)
    {
        _epollFd = epollFd;
        var thread = new Thread(Run) { IsBackground = true, Name = "RxSockets poll" };
        using var started = new ManualResetEventSlim();
        thread.UnsafeStart(started);
        started.Wait(); // once per thread and process: a poller in the group has its scheduling set
    }

    /// <summary>
    /// The next of the process's poll threads, or null where there are none: not Linux,
    /// <c>epoll</c> unavailable, or no threads asked for (then the transport uses the runtime's
    /// asynchronous socket calls).
    /// </summary>
    /// <param name="threads">The thread count wanted if the group does not exist yet (null: half the processors); the environment variable wins.</param>
    public static SocketPoller? Next(int? threads = null)
    {
        SocketPoller[] group = Volatile.Read(ref s_group) ?? CreateGroup(threads);
        return group.Length switch
        {
            0 => null,
            1 => group[0],
            _ => group[(int)((uint)Interlocked.Increment(ref s_turn) % (uint)group.Length)],
        };
    }

    /// <summary>Registers <paramref name="socket"/>, which must be connected and not yet used asynchronously.</summary>
    /// <returns>The registration, or null if the kernel refused it (the caller then uses the runtime's calls).</returns>
    public Registration? Register(Socket socket)
    {
        Registration registration;
        lock (_gate)
        {
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _slots, _slots.Length * 2); // the poll thread reads the table again for every event
                }

                slot = _used++;
            }

            registration = new Registration(this, slot);
            Volatile.Write(ref _slots[slot], registration);
        }

        socket.Blocking = false;
        Span<uint> record = stackalloc uint[4];
        Epoll.Write(record, Epoll.In | Epoll.Out | Epoll.ReadHangUp | Epoll.EdgeTriggered, registration.Key);
        bool added;
        bool addedRef = false;
        SafeHandle handle = socket.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref addedRef);
            added = Epoll.Control(_epollFd, Epoll.Add, (int)handle.DangerousGetHandle(), record) == 0;
        }
        finally
        {
            if (addedRef)
            {
                handle.DangerousRelease();
            }
        }

        if (!added)
        {
            registration.Dispose();
            socket.Blocking = true;
            return null;
        }

        return registration;
    }

    private static SocketPoller[] CreateGroup(int? threads)
    {
        lock (s_groupLock)
        {
            if (s_group is { } existing)
            {
                return existing;
            }

            string? setting = Environment.GetEnvironmentVariable("RXSOCKETS_SOCKET_POLLER");
            int count = int.TryParse(setting, out int asked) && asked >= 0
                ? Math.Min(asked, 256)
                : threads ?? Math.Clamp(Environment.ProcessorCount / 2, 1, 16);
            SocketPoller[] group = count == 0 || !Epoll.IsPlatformSupported ? [] : StartThreads(count);
            Volatile.Write(ref s_group, group);
            return group;
        }
    }

    private static SocketPoller[] StartThreads(int count)
    {
        var group = new List<SocketPoller>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                int fd = Epoll.Create(Epoll.CloseOnExec);
                if (fd < 0)
                {
                    break; // out of descriptors: fewer threads, or none
                }

                group.Add(new SocketPoller(fd));
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return []; // no C library by that name (never seen on Linux)
        }

        return [.. group];
    }

    private void Free(Registration registration)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_slots[registration.Slot], registration))
            {
                Volatile.Write(ref _slots[registration.Slot], null);
                _free.Push(registration.Slot);
            }
        }
    }

    /// <summary>The poll thread: never returns, so it is compiled optimized at once rather than tiered up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(object? started)
    {
        try
        {
            ThreadScheduling.TryUseBatchPolicy(); // see ThreadScheduling: a wake-up lets the running worker finish its batch
        }
        finally
        {
            ((ManualResetEventSlim)started!).Set(); // whatever happened, the constructor must not wait forever
        }

        uint[] records = new uint[MaxEvents * Epoll.Stride];
        while (true)
        {
            int count = Epoll.Wait(_epollFd, records, MaxEvents, -1);
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() == Epoll.Interrupted)
                {
                    continue;
                }

                return; // the epoll descriptor is broken: nothing this thread can do (never seen)
            }

            for (int i = 0; i < count; i++)
            {
                (uint events, ulong key) = Epoll.Read(records, i);
                int slot = (int)(uint)key;
                Registration?[] slots = Volatile.Read(ref _slots); // per event: a socket registered after a resize is only in the new table
                if ((uint)slot < (uint)slots.Length
                    && Volatile.Read(ref slots[slot]) is { } registration
                    && registration.Key == key)
                {
                    registration.OnEvents(events);
                }
            }
        }
    }

    /// <summary>One registered socket's two readiness signals.</summary>
    internal sealed class Registration : IDisposable
    {
        private static int s_generations;
        private readonly SocketPoller _poller;

        public Registration(SocketPoller poller, int slot)
        {
            _poller = poller;
            Slot = slot;
            Key = (uint)slot | ((ulong)(uint)Interlocked.Increment(ref s_generations) << 32);
        }

        /// <summary>The slot in the poller's table.</summary>
        public int Slot { get; }

        /// <summary>The user value the kernel hands back with each event: the slot and a generation.</summary>
        public ulong Key { get; }

        /// <summary>Signalled when data, end of stream or an error can be received.</summary>
        public ReadinessSignal Readable { get; } = new();

        /// <summary>Signalled when the kernel has room to send again.</summary>
        public ReadinessSignal Writable { get; } = new();

        /// <summary>
        /// Whether an event reported the end of the stream or an error. Sticky: the edge that
        /// reports it can come with the last data, and a receive that returns that data does not
        /// consume the end, so the receive loop must ask once more instead of waiting for an edge
        /// that will not come.
        /// </summary>
        public bool HungUp => Volatile.Read(ref _hungUp);

        private bool _hungUp;

        /// <summary>Wakes both loops for good and frees the slot; call once the socket is closed or will be.</summary>
        public void Dispose()
        {
            Readable.Close();
            Writable.Close();
            _poller.Free(this);
        }

        /// <summary>Called by the poll thread with an event's mask.</summary>
        internal void OnEvents(uint events)
        {
            if ((events & (Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0)
            {
                Volatile.Write(ref _hungUp, true); // before the signal: the woken loop reads it
            }

            try
            {
                if ((events & (Epoll.In | Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0)
                {
                    Readable.Signal();
                }

                if ((events & (Epoll.Out | Epoll.HangUp | Epoll.Error)) != 0)
                {
                    Writable.Signal();
                }
            }
            catch (Exception ex)
            {
                // The continuations are async methods, which keep their own exceptions, so nothing
                // should get here; if something does, the poll thread (every socket it serves)
                // must outlive it.
                System.Diagnostics.Debug.Fail("RxSockets poll thread: " + ex);
            }
        }
    }
}
