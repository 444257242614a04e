using System;
using System.Threading;

namespace RxSockets;

/// <summary>A thread-safe token bucket on a <see cref="TimeProvider"/>: <c>rate</c> tokens per second, holding at most <c>rate</c>.</summary>
internal sealed class TokenBucket
{
    private readonly double _rate;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    public TokenBucket(int ratePerSecond, TimeProvider time)
    {
        _rate = ratePerSecond;
        _time = time;
        _tokens = ratePerSecond;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes a token if one is there.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _tokens = Math.Min(_rate, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
