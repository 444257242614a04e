using System;
using System.Runtime.InteropServices;

namespace RxSockets;

/// <summary>
/// The Linux scheduling policy of RxSockets' poll threads: <c>SCHED_BATCH</c>, so that
/// a poll thread the kernel wakes does not preempt the thread running on its core.
/// </summary>
/// <remarks>
/// <para>
/// Why: a poll thread wakes whenever a peer's bytes arrive, typically while a thread-pool worker
/// on the same core is still running handlers and flushing their sends. Under the default policy
/// the woken poll thread preempts that worker at once: two context switches, and a poll that
/// finds one socket ready instead of several. Under <c>SCHED_BATCH</c>
/// the kernel lets the worker run on until it waits or its time slice ends; the poll thread then
/// finds every socket that became ready meanwhile. It still gets its fair share of the processor
/// (the policy changes no priority); only the wake-up preemption is gone. Measured on the small
/// echo (docs/performance-log.md): about 30 % fewer context switches and 45 % fewer
/// <c>epoll_wait</c> calls per message, 4–9 % less server CPU per message, the same latency.
/// </para>
/// <para>
/// The cost: when every core is busy, data for a poll thread's sockets can wait up to a scheduler
/// time slice (a few milliseconds) before it is read, where the default policy would read it at
/// once. Servers that prefer that can turn the poller off (<c>RXSOCKETS_SOCKET_POLLER=0</c>).
/// Lowering a thread's policy to <c>SCHED_BATCH</c> needs no privilege; where the call is refused
/// anyway, the thread keeps the default policy and works as before.
/// </para>
/// </remarks>
internal static partial class ThreadScheduling
{
    /// <summary>The runtime maps this name to the platform's C library.</summary>
    private const string Library = "libc";

    /// <summary><c>SCHED_BATCH</c> (Linux).</summary>
    public const int BatchPolicy = 3;

    /// <summary>Puts the calling thread under <c>SCHED_BATCH</c>; Linux only.</summary>
    /// <returns>Whether the kernel accepted it.</returns>
    public static bool TryUseBatchPolicy()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            int priority = 0; // struct sched_param: the static priority, which must be 0 for SCHED_BATCH
            return SetScheduler(0, BatchPolicy, ref priority) == 0; // pid 0: the calling thread
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library, EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref int priority);
}
