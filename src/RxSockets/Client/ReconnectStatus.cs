using System;
using System.Globalization;

namespace RxSockets;

/// <summary>One state of a <see cref="ReconnectingWebSocket"/>, as its <see cref="ReconnectingWebSocket.StateChanges"/> report it: what an app shows ("reconnecting in 5 s…").</summary>
/// <param name="State">Where the client is.</param>
/// <param name="Attempt">
/// 0 for the first connection; after a connection was lost or an attempt failed, the number of the
/// attempt in progress (<see cref="ReconnectState.Connecting"/>) or about to start
/// (<see cref="ReconnectState.Reconnecting"/>): 1, 2, 3… It goes back to 0 once a connection opens.
/// </param>
/// <param name="Delay">For <see cref="ReconnectState.Reconnecting"/>, how long until the next attempt; otherwise zero.</param>
/// <param name="Error">
/// For <see cref="ReconnectState.Reconnecting"/>, why the connection was lost or the attempt failed;
/// for <see cref="ReconnectState.Closed"/>, the fatal error or the last error before giving up
/// (<see langword="null"/> after a normal close or a stop by the application).
/// </param>
/// <param name="Time">When the state began, on the options' clock.</param>
/// <remarks>Immutable.</remarks>
public sealed record ReconnectStatus(ReconnectState State, int Attempt, TimeSpan Delay, Exception? Error, DateTimeOffset Time)
{
    /// <summary>A one-line description, for example "Reconnecting: attempt 2 in 3.1 s (Could not connect to ws://…)".</summary>
    /// <returns>The description.</returns>
    public override string ToString() => State switch
    {
        ReconnectState.Connecting when Attempt > 0 => string.Create(CultureInfo.InvariantCulture, $"Connecting: attempt {Attempt}"),
        ReconnectState.Reconnecting => string.Create(CultureInfo.InvariantCulture, $"Reconnecting: attempt {Attempt} in {Delay.TotalSeconds:0.0} s ({Error?.Message})"),
        ReconnectState.Closed when Error is not null => $"Closed: {Error.Message}",
        _ => State.ToString(),
    };
}
