using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Internals;

/// <summary>
/// The latch between the Linux poll thread and a socket loop (<see cref="ReadinessSignal"/>):
/// an edge-triggered event that comes while nobody waits must never be lost, and a waiter is
/// resumed on the signalling thread itself.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ReadinessSignalTests
{
    [Test]
    public void Wait_NothingSignalled_IsPending()
    {
        var signal = new ReadinessSignal();

        Assert.That(CompletedAtOnce(signal.WaitAsync()), Is.False);
    }

    [Test]
    public void Signal_WhileNobodyWaits_IsLatchedOnceForTheNextWait()
    {
        var signal = new ReadinessSignal();
        signal.Signal();
        signal.Signal(); // several events before a wait make one wake-up: the loop retries its call once

        Assert.That(CompletedAtOnce(signal.WaitAsync()), Is.True, "the latched signal");
        Assert.That(CompletedAtOnce(signal.WaitAsync()), Is.False, "consumed by the first wait");
    }

    [Test]
    public void Signal_WhileWaiting_ResumesTheWaiterInlineOnTheSignallingThread()
    {
        var signal = new ReadinessSignal();
        int resumedOn = -1;
        Task waiter = WaitAndRecordThreadAsync(signal, id => resumedOn = id);
        Assert.That(waiter.IsCompleted, Is.False);

        signal.Signal();

        Assert.That(waiter.IsCompleted, Is.True, "the continuation ran inside Signal");
        Assert.That(resumedOn, Is.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public void Close_WakesTheWaiter_AndEveryLaterWaitCompletesAtOnce()
    {
        var signal = new ReadinessSignal();
        Task waiting = signal.WaitAsync().AsTask();

        signal.Close();
        signal.Signal(); // ignored once closed

        Assert.That(waiting.IsCompleted, Is.True);
        Assert.That(signal.IsClosed, Is.True);
        Assert.That(CompletedAtOnce(signal.WaitAsync()), Is.True);
        Assert.That(CompletedAtOnce(signal.WaitAsync()), Is.True);
    }

    [Test]
    public async Task SignalsFromAnotherThread_RacingTheWaits_NeverLoseWork()
    {
        // The poll thread's contract: work is published before the signal; the loop takes all
        // published work after each wake-up and waits again. The producer publishes one item at a
        // time and waits until it is taken, so every round needs its own signal to get through,
        // landing anywhere between the consumer's take and its next wait. One lost signal leaves
        // an item untaken and the producer waiting until the bound.
        const int rounds = 20_000;
        var signal = new ReadinessSignal();
        int published = 0;
        int taken = 0;
        var bound = System.Diagnostics.Stopwatch.StartNew();

        Task consumer = Task.Run(async () =>
        {
            while (Volatile.Read(ref taken) < rounds)
            {
                await signal.WaitAsync().ConfigureAwait(false);
                Volatile.Write(ref taken, Volatile.Read(ref published));
            }
        });
        Task<int> producer = Task.Run(() =>
        {
            for (int i = 1; i <= rounds; i++)
            {
                Volatile.Write(ref published, i);
                signal.Signal();
                var spin = new SpinWait();
                while (Volatile.Read(ref taken) < i)
                {
                    if (bound.Elapsed > TimeSpan.FromSeconds(20))
                    {
                        return i; // the round whose signal was lost
                    }

                    spin.SpinOnce();
                }
            }

            return 0;
        });

        Assert.That(await producer, Is.Zero, "a round whose item was never taken");
        await consumer.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Whether a wait completed without waiting (takes the awaitable as an argument, so it is consumed once).</summary>
    private static bool CompletedAtOnce(ValueTask wait) => wait.IsCompleted;

    private static async Task WaitAndRecordThreadAsync(ReadinessSignal signal, Action<int> record)
    {
        await signal.WaitAsync().ConfigureAwait(false); // as the transport's loops await it
        record(Environment.CurrentManagedThreadId);
    }
}
