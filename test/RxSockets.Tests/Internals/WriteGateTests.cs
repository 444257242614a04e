using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace RxSockets.Tests.Internals;

/// <summary>The connection's write gate: one holder at a time; inline senders try, the write loop waits.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class WriteGateTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public void TryEnter_IsExclusiveUntilReleased()
    {
        var gate = new WriteGate();

        Assert.That(gate.TryEnter(), Is.True);
        Assert.That(gate.TryEnter(), Is.False);
        gate.Release();
        Assert.That(gate.TryEnter(), Is.True);
    }

    [Test]
    public async Task WaitAsync_WaitsForTheHolder_ThenHoldsTheGate()
    {
        var gate = new WriteGate();
        Assert.That(gate.TryEnter(), Is.True);

        Task waiting = gate.WaitAsync(CancellationToken.None).AsTask();
        Assert.That(waiting.IsCompleted, Is.False, "held by somebody else");
        gate.Release();
        await waiting.WaitAsync(s_wait);

        Assert.That(gate.TryEnter(), Is.False, "the waiter holds it now");
        gate.Release();
        Assert.That(gate.TryEnter(), Is.True);
    }

    [Test]
    public async Task WaitAsync_Cancelled_DoesNotTakeTheGate()
    {
        var gate = new WriteGate();
        Assert.That(gate.TryEnter(), Is.True);
        using var cancel = new CancellationTokenSource();

        Task waiting = gate.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        Assert.That(async () => await waiting.WaitAsync(s_wait), Throws.InstanceOf<OperationCanceledException>());
        gate.Release();
        Assert.That(gate.TryEnter(), Is.True, "free after the holder released it");
        Assert.That(gate.TryEnter(), Is.False);
    }

    [Test]
    public async Task ManyTryingAndOneWaiting_NeverTwoHolders()
    {
        // Two threads try (inline senders) while one waits (the write loop); a holder that sees
        // another inside would mean the gate let two in.
        var gate = new WriteGate();
        int inside = 0;
        int overlaps = 0;
        const int rounds = 20_000;

        void Hold()
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Thread.SpinWait(20);
            Interlocked.Decrement(ref inside);
            gate.Release();
        }

        Task Trier() => Task.Run(() =>
        {
            for (int i = 0; i < rounds; i++)
            {
                if (gate.TryEnter())
                {
                    Hold();
                }
            }
        });

        Task waiter = Task.Run(async () =>
        {
            for (int i = 0; i < rounds / 10; i++)
            {
                await gate.WaitAsync(CancellationToken.None);
                Hold();
            }
        });

        await Task.WhenAll(Trier(), Trier(), waiter).WaitAsync(TimeSpan.FromSeconds(50));

        Assert.That(overlaps, Is.Zero);
        Assert.That(gate.TryEnter(), Is.True, "free at the end");
    }
}
