using System;
using System.Globalization;
using System.IO;

namespace RxSockets.Cli.Load;

/// <summary>
/// CPU time and resident memory of a process, read from Linux's /proc: utime + stime of
/// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s) and VmRSS of /proc/PID/status.
/// </summary>
internal readonly record struct ProcessStats(double CpuSeconds, long RssKiB)
{
    /// <summary>Clock ticks per second (CLK_TCK; 100 on every Linux this runs on).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>Reads the stats of <paramref name="pid"/>, or null when it cannot (no /proc, no such process).</summary>
    public static ProcessStats? TryRead(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) is in parentheses and may contain spaces: split after it.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // fields[0] is field 3 (state), so field 14 (utime) is fields[11] and 15 (stime) fields[12].
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            long rss = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    break;
                }
            }

            return new ProcessStats(ticks / TicksPerSecond, rss);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
