using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.LoadTool;

/// <summary>
/// Redis's own count of the commands it ran (<c>INFO commandstats</c>), read over a plain TCP
/// connection with the inline protocol, so a cross-node fan-out run (issue 22) can say how many
/// Redis commands each published message cost. Redis counts the commands a Lua script runs as well
/// as the script call itself: one <c>EVALSHA</c> whose script does <c>HINCRBY</c>, <c>XADD</c> and
/// <c>PUBLISH</c> shows as four commands but is one round trip.
/// </summary>
public static class FanOutRedisStats
{
    /// <summary>Calls per command (lower case, e.g. "evalsha"), without the <c>INFO</c> calls that read them.</summary>
    public static async Task<Dictionary<string, long>> ReadAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        await socket.SendAsync("INFO commandstats\r\n"u8.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);

        // The answer is a bulk string: "$<length>\r\n<length bytes>\r\n".
        var received = new List<byte>();
        byte[] buffer = new byte[16 * 1024];
        int? total = null;
        while (total is null || received.Count < total)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidOperationException("Redis closed the connection before answering INFO.");
            }

            received.AddRange(buffer.AsSpan(0, read));
            int header = received.IndexOf((byte)'\n');
            if (total is null && header > 0)
            {
                if (received[0] != (byte)'$')
                {
                    throw new InvalidOperationException($"Redis answered INFO with {Encoding.ASCII.GetString([.. received]).Trim()}");
                }

                total = header + 1 + int.Parse(Encoding.ASCII.GetString([.. received.GetRange(1, header - 2)]), CultureInfo.InvariantCulture) + 2;
            }
        }

        return Parse(Encoding.ASCII.GetString([.. received]));
    }

    /// <summary>Parses <c>cmdstat_xadd:calls=50,usec=…</c> lines; <c>info</c> itself is left out.</summary>
    public static Dictionary<string, long> Parse(string info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in info.Split('\n'))
        {
            const string Prefix = "cmdstat_";
            int at = line.IndexOf(":calls=", StringComparison.Ordinal);
            if (!line.StartsWith(Prefix, StringComparison.Ordinal) || at < 0)
            {
                continue;
            }

            string command = line[Prefix.Length..at];
            string rest = line[(at + ":calls=".Length)..];
            int comma = rest.IndexOf(',', StringComparison.Ordinal);
            if (command != "info" && long.TryParse(comma < 0 ? rest.Trim() : rest[..comma], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                calls[command] = n;
            }
        }

        return calls;
    }

    /// <summary>The commands run between two readings, per published message, largest first: "evalsha=1.00 publish=1.00 …".</summary>
    public static (double Total, string Breakdown) PerMessage(Dictionary<string, long> before, Dictionary<string, long> after, long published)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (published <= 0)
        {
            return (0, "");
        }

        var delta = after
            .Select(kv => (Command: kv.Key, Calls: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(d => d.Calls > 0)
            .OrderByDescending(d => d.Calls)
            .ThenBy(d => d.Command, StringComparer.Ordinal)
            .ToList();
        return ((double)delta.Sum(d => d.Calls) / published,
            string.Join(' ', delta.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Command}={(double)d.Calls / published:0.00}"))));
    }
}
