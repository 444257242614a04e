using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RxSockets.Testing;

/// <summary>What one symbol of a connection diagram stands for.</summary>
internal enum DiagramEventKind
{
    /// <summary>A message (a value character).</summary>
    Message,

    /// <summary>A ping (<c>*</c>).</summary>
    Ping,

    /// <summary>A normal ending (<c>|</c>).</summary>
    Completed,

    /// <summary>Any other ending (<c>#</c>).</summary>
    Failed,
}

/// <summary>One symbol of a connection diagram at its time (ticks from the diagram's start); <see cref="Code"/> only on endings written with <c>{code}</c>.</summary>
internal readonly record struct DiagramEvent(long Time, DiagramEventKind Kind, char Symbol, Message Message, CloseCode? Code);

/// <summary>
/// Connection diagrams: the marble syntax of <see cref="Marbles"/> plus what a WebSocket
/// connection has beyond a stream: <c>*</c> for a ping and <c>{code}</c> after <c>|</c> or
/// <c>#</c> for a close code (<c>|{1001}</c>, <c>#{1011}</c>). Times count from the diagram's first
/// character; <c>^</c> marks where a scripted client connects (elsewhere it is an ordinary frame).
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class ConnectionDiagram
{
    /// <summary>The ping symbol.</summary>
    public const char PingSymbol = '*';

    /// <summary>Parses a diagram: its events in order, the frame of <c>^</c> (or -1) and its length in frames.</summary>
    /// <exception cref="ArgumentException">The diagram is malformed or uses a character with no value.</exception>
    public static (DiagramEvent[] Events, long ConnectFrame, long Frames) Parse(string diagram, IReadOnlyDictionary<char, Message> values, long frameTicks = Marbles.DefaultFrameTicks)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        ArgumentNullException.ThrowIfNull(values);
        var events = new List<DiagramEvent>();
        long frame = 0;
        long connect = -1;
        bool inGroup = false;
        for (int i = 0; i < diagram.Length; i++)
        {
            char c = diagram[i];
            long time = frame * frameTicks;
            switch (c)
            {
                case ' ':
                    continue;
                case '(':
                    if (inGroup)
                    {
                        throw new ArgumentException($"Nested group at position {i} in \"{diagram}\".", nameof(diagram));
                    }

                    inGroup = true;
                    continue;
                case ')':
                    if (!inGroup)
                    {
                        throw new ArgumentException($"')' without '(' at position {i} in \"{diagram}\".", nameof(diagram));
                    }

                    inGroup = false;
                    break;
                case '^':
                    if (connect >= 0)
                    {
                        throw new ArgumentException($"A second '^' at position {i} in \"{diagram}\".", nameof(diagram));
                    }

                    connect = frame;
                    break;
                case '-':
                    break;
                case PingSymbol:
                    events.Add(new DiagramEvent(time, DiagramEventKind.Ping, c, default, null));
                    break;
                case '|' or '#':
                    CloseCode? code = ReadCode(diagram, ref i);
                    events.Add(new DiagramEvent(time, c == '|' ? DiagramEventKind.Completed : DiagramEventKind.Failed, c, default, code));
                    break;
                case '{' or '}':
                    throw new ArgumentException($"'{c}' at position {i} in \"{diagram}\": a close code follows '|' or '#' directly, as in \"|{{1001}}\".", nameof(diagram));
                default:
                    if (!values.TryGetValue(c, out Message message))
                    {
                        throw new ArgumentException($"'{c}' at position {i} in \"{diagram}\" has no value in the dictionary.", nameof(values));
                    }

                    events.Add(new DiagramEvent(time, DiagramEventKind.Message, c, message, null));
                    break;
            }

            if (!inGroup)
            {
                frame++;
            }
        }

        if (inGroup)
        {
            throw new ArgumentException($"Unclosed group in \"{diagram}\".", nameof(diagram));
        }

        return ([.. events], connect, frame);
    }

    /// <summary>Checks recorded events against an expected diagram; pings count only when it has a <c>*</c>, codes only where it gives one.</summary>
    /// <exception cref="ReactiveAssertionException">They differ; the message shows both diagrams.</exception>
    public static void AssertEqual(IReadOnlyList<DiagramEvent> actual, string expected, IReadOnlyDictionary<char, Message> values)
    {
        DiagramEvent[] wanted = Canonical(Parse(expected, values).Events);
        bool pings = wanted.Any(e => e.Kind == DiagramEventKind.Ping);
        DiagramEvent[] got = Canonical(actual.Where(e => pings || e.Kind != DiagramEventKind.Ping));
        bool same = wanted.Length == got.Length && wanted.Zip(got).All(p => Matches(p.First, p.Second));
        if (!same)
        {
            throw new ReactiveAssertionException(
                $"Expected: {Render(wanted, values)}{Environment.NewLine}" +
                $"Actual:   {Render(got, values)}{Environment.NewLine}" +
                $"Actual events: {string.Join(", ", got.Select(Show))}");
        }
    }

    /// <summary>Renders events as a diagram; times off the frame grid make it fall back to a list.</summary>
    public static string Render(IEnumerable<DiagramEvent> events, IReadOnlyDictionary<char, Message> values, long frameTicks = Marbles.DefaultFrameTicks)
    {
        DiagramEvent[] items = Canonical(events);
        if (items.Any(e => e.Time < 0 || e.Time % frameTicks != 0))
        {
            return string.Join(", ", items.Select(Show));
        }

        var text = new StringBuilder();
        long frame = 0;
        foreach (IGrouping<long, DiagramEvent> group in items.GroupBy(e => e.Time / frameTicks))
        {
            text.Append('-', (int)Math.Max(0, group.Key - frame));
            string symbols = string.Concat(group.Select(e => Symbol(e, values)));
            text.Append(group.Count() > 1 ? $"({symbols})" : symbols);
            frame = group.Key + 1;
        }

        return text.ToString();
    }

    /// <summary>Pings first within an instant, then messages in order, then the ending: the order a diagram group is read in.</summary>
    private static DiagramEvent[] Canonical(IEnumerable<DiagramEvent> events) =>
        [.. events.Select((e, i) => (e, i)).OrderBy(p => p.e.Time).ThenBy(p => p.e.Kind == DiagramEventKind.Ping ? 0 : p.e.Kind == DiagramEventKind.Message ? 1 : 2).ThenBy(p => p.i).Select(p => p.e)];

    private static bool Matches(DiagramEvent expected, DiagramEvent actual) =>
        expected.Time == actual.Time && expected.Kind == actual.Kind && expected.Kind switch
        {
            DiagramEventKind.Message => expected.Message.Equals(actual.Message),
            DiagramEventKind.Completed or DiagramEventKind.Failed => expected.Code is null || expected.Code == actual.Code,
            _ => true,
        };

    private static string Symbol(DiagramEvent e, IReadOnlyDictionary<char, Message> values) => e.Kind switch
    {
        DiagramEventKind.Message => values.FirstOrDefault(pair => pair.Value.Equals(e.Message)) is { Key: not '\0' } pair ? pair.Key.ToString() : "?",
        DiagramEventKind.Ping => PingSymbol.ToString(),
        _ => (e.Kind == DiagramEventKind.Completed ? "|" : "#") + (e.Code is CloseCode code ? string.Create(CultureInfo.InvariantCulture, $"{{{(int)code}}}") : string.Empty),
    };

    private static string Show(DiagramEvent e) => e.Kind switch
    {
        DiagramEventKind.Message => string.Create(CultureInfo.InvariantCulture, $"{e.Message}@{e.Time}"),
        DiagramEventKind.Ping => string.Create(CultureInfo.InvariantCulture, $"ping@{e.Time}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(e.Kind == DiagramEventKind.Completed ? "closed" : "failed")}{(e.Code is CloseCode code ? $" {(int)code}" : string.Empty)}@{e.Time}"),
    };

    /// <summary>Reads <c>{code}</c> right after an ending at <paramref name="i"/>, moving past it.</summary>
    private static CloseCode? ReadCode(string diagram, ref int i)
    {
        if (i + 1 >= diagram.Length || diagram[i + 1] != '{')
        {
            return null;
        }

        int end = diagram.IndexOf('}', i + 2);
        if (end < 0 || !int.TryParse(diagram.AsSpan(i + 2, end - i - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int code) || code is < 1000 or > 4999)
        {
            throw new ArgumentException($"Expected a close code from 1000 to 4999 in braces after position {i} in \"{diagram}\", as in \"|{{1001}}\".", nameof(diagram));
        }

        i = end;
        return (CloseCode)code;
    }
}
