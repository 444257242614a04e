using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// Minimal marble diagrams for the hub's tests, on <see cref="VirtualClock"/>: one character per
/// 10-tick frame; <c>-</c> nothing, a letter or digit a value, <c>(ab)</c> values in one frame,
/// <c>|</c> completion, <c>#</c> an error. Times are the frame's start (frame i at tick 10·i).
/// </summary>
internal static class Marbles
{
    public const long Frame = 10;

    /// <summary>Schedules the diagram's notifications on <paramref name="clock"/>.</summary>
    public static void Schedule(VirtualClock clock, string diagram, Action<string> onNext, Action? onCompleted = null, Action<Exception>? onError = null)
    {
        long frame = 0;
        bool group = false;
        foreach (char c in diagram)
        {
            long tick = frame * Frame;
            switch (c)
            {
                case ' ':
                    continue;
                case '(':
                    group = true;
                    continue;
                case ')':
                    group = false;
                    break;
                case '-':
                    break;
                case '|':
                    clock.At(tick, () => onCompleted?.Invoke());
                    break;
                case '#':
                    clock.At(tick, () => onError?.Invoke(new InvalidOperationException("marble error")));
                    break;
                default:
                    string value = c.ToString();
                    clock.At(tick, () => onNext(value));
                    break;
            }

            if (!group)
            {
                frame++;
            }
        }
    }

    /// <summary>Renders values read at ticks as a diagram: each value in the frame its tick falls in.</summary>
    public static string Render(IEnumerable<(long Tick, string Value)> events)
    {
        var byFrame = events.GroupBy(e => e.Tick / Frame).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToList());
        if (byFrame.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        for (long frame = 0; frame <= byFrame.Keys.Max(); frame++)
        {
            if (!byFrame.TryGetValue(frame, out List<string>? values))
            {
                text.Append('-');
            }
            else if (values.Count == 1)
            {
                text.Append(values[0]);
            }
            else
            {
                text.Append('(').Append(string.Concat(values)).Append(')');
            }
        }

        return text.ToString();
    }

    /// <summary>The data values a fake client read, as a diagram.</summary>
    public static string Render(FakeOutlet outlet) =>
        Render(outlet.Received.Where(r => r.Envelope.Type == "data").Select(r => (r.Tick, r.Envelope.Data!)));
}
