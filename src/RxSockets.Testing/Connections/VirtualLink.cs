using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Reactive.Concurrency;
using System.Threading.Tasks;

namespace RxSockets.Testing;

/// <summary>
/// Moves bytes from one in-memory end's output to the other end's input, applying
/// <see cref="LinkFaults"/>. With inline pipes and no latency, bytes cross inside the writer's
/// flush, so an exchange completes within the virtual instant that started it.
/// </summary>
internal sealed class VirtualLink
{
    private readonly PipeReader _source;
    private readonly PipeWriter _target;
    private readonly VirtualTimeScheduler<long, long> _scheduler;
    private TaskCompletionSource? _resumed;

    /// <summary>Deliveries scheduled under latency and not done yet; the end of the stream waits for them.</summary>
    private int _inFlight;
    private bool _sourceCompleted;

    public VirtualLink(PipeReader source, PipeWriter target, VirtualTimeScheduler<long, long> scheduler, bool carriesResponse)
    {
        _source = source;
        _target = target;
        _scheduler = scheduler;
        Tap = new FrameTap(carriesResponse);
        Faults = new LinkFaults(this);
    }

    public LinkFaults Faults { get; }

    /// <summary>Notes the pings this direction delivers.</summary>
    public FrameTap Tap { get; }

    public bool IsStalled => _resumed is not null;

    public bool HasVanished { get; private set; }

    public void Start() => _ = RunAsync();

    public void Stall() => _resumed ??= new TaskCompletionSource();

    public void Resume()
    {
        TaskCompletionSource? resumed = _resumed;
        _resumed = null;
        using (NoSynchronizationContext.Enter())
        {
            resumed?.TrySetResult(); // the link, and what it delivers, goes on right here
        }
    }

    public void Vanish()
    {
        HasVanished = true;
        Resume();
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                if (_resumed is { } resumed)
                {
                    await resumed.Task.ConfigureAwait(false);
                }

                ReadResult result = await _source.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (_resumed is not null && !HasVanished)
                {
                    _source.AdvanceTo(buffer.Start, buffer.End); // stalled meanwhile: leave the bytes in the sender's pipe
                    continue;
                }

                byte[] bytes = HasVanished ? [] : buffer.ToArray();
                _source.AdvanceTo(buffer.End);
                if (bytes.Length > 0)
                {
                    await DeliverAsync(bytes).ConfigureAwait(false);
                }

                if (result.IsCompleted)
                {
                    _sourceCompleted = true;
                    CompleteTargetWhenDrained();
                    return;
                }
            }
        }
        catch (Exception)
        {
            // An end was aborted: its connection completed its output with an error, which the
            // read rethrows, or a pipe was completed under us. Either way the link is over.
        }
    }

    private async Task DeliverAsync(byte[] bytes)
    {
        if (Faults.Latency <= TimeSpan.Zero)
        {
            await WriteAsync(bytes).ConfigureAwait(false);
            return;
        }

        _inFlight++;
        _scheduler.Schedule(Faults.Latency, () =>
        {
            using (NoSynchronizationContext.Enter())
            {
                _ = WriteLaterAsync(bytes);
            }
        });
    }

    private async Task WriteLaterAsync(byte[] bytes)
    {
        await WriteAsync(bytes).ConfigureAwait(false);
        _inFlight--;
        CompleteTargetWhenDrained();
    }

    private async Task WriteAsync(byte[] bytes)
    {
        if (HasVanished)
        {
            return;
        }

        Tap.Observe(bytes, _scheduler.Clock);
        int chop = Faults.ChopSize > 0 ? Faults.ChopSize : bytes.Length;
        for (int offset = 0; offset < bytes.Length; offset += chop)
        {
            FlushResult flushed = await _target.WriteAsync(bytes.AsMemory(offset, Math.Min(chop, bytes.Length - offset))).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                return; // the reader is gone
            }
        }
    }

    /// <summary>Passes the end of the stream on (a FIN), after any delayed bytes; never when vanished.</summary>
    private void CompleteTargetWhenDrained()
    {
        if (_sourceCompleted && _inFlight == 0 && !HasVanished)
        {
            _target.Complete();
        }
    }
}
