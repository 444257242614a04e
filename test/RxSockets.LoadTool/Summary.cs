using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace RxSockets.LoadTool;

/// <summary>
/// Summarizes the JSON lines of many runs (compare.sh's results file): per scenario and server the
/// median and the range of each quantity, and the ratio of the RxSockets servers' medians to
/// Kestrel's. Prints a Markdown table, so it can be pasted into docs/performance.md as it is.
/// </summary>
public static class Summary
{
    private static readonly (string Key, string Name, string Format)[] s_metrics =
    [
        ("msgs_per_s", "msgs/s", "N0"),
        ("mb_per_s", "MB/s", "N1"),
        ("cpu_s_per_mmsg", "CPU s/1M msgs", "N2"),
        ("p50_us", "p50 µs", "N1"),
        ("p99_us", "p99 µs", "N1"),
        ("idle_rss_kib_per_conn", "RSS KiB/conn", "N1"),
        ("handshake_cpu_us", "handshake CPU µs", "N0"),
    ];

    /// <summary>The scenarios' headline quantities (what the issue's targets are about).</summary>
    private static readonly Dictionary<string, string[]> s_headline = new()
    {
        ["small"] = ["msgs_per_s", "cpu_s_per_mmsg", "p50_us", "p99_us"],
        ["small-rx"] = ["msgs_per_s", "cpu_s_per_mmsg", "p50_us", "p99_us"],
        ["latency"] = ["p50_us", "p99_us", "msgs_per_s", "cpu_s_per_mmsg"],
        ["large"] = ["mb_per_s", "cpu_s_per_mmsg", "p50_us", "p99_us"],
        ["idle"] = ["idle_rss_kib_per_conn", "handshake_cpu_us"],
    };

    /// <summary>Reads <paramref name="path"/> (one JSON object per line) and returns the Markdown summary.</summary>
    /// <param name="path">The results file.</param>
    /// <param name="baselines">Comma-separated server names; the first one present in a scenario is its baseline for ratios.</param>
    /// <param name="pairs">
    /// Comma-separated <c>A/B</c> pairs: where both ran in a scenario, A's medians over B's as well
    /// (metrics on over off, a build over its baseline), besides the ratios to the baseline.
    /// </param>
    public static string Summarize(string path, string baselines, string pairs = "")
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(baselines);
        var runs = new List<JsonElement>();
        foreach (string line in File.ReadLines(path))
        {
            if (line.TrimStart().StartsWith('{'))
            {
                runs.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        var text = new StringBuilder();
        foreach (IGrouping<string, JsonElement> scenario in runs.GroupBy(r => r.GetProperty("scenario").GetString()!))
        {
            string[] keys = s_headline.TryGetValue(scenario.Key, out string[]? headline) ? headline : [.. s_metrics.Select(m => m.Key)];
            text.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Key}").AppendLine();
            text.Append("| server | runs | ");
            text.AppendJoin(" | ", keys.Select(k => Name(k) + " (median [min–max])"));
            text.AppendLine(" | errors |");
            text.Append("| --- | ---: | ").AppendJoin(" | ", keys.Select(_ => "---:")).AppendLine(" | ---: |");

            var medians = new Dictionary<(string Server, string Key), double>();
            foreach (IGrouping<string, JsonElement> server in scenario.GroupBy(r => r.GetProperty("server").GetString()!))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {server.Key} | {server.Count()} | ");
                var cells = new List<string>();
                foreach (string key in keys)
                {
                    double[] values = [.. server.Select(r => r.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : double.NaN).Where(double.IsFinite).Order()];
                    if (values.Length == 0)
                    {
                        cells.Add("–");
                        continue;
                    }

                    double median = Median(values);
                    medians[(server.Key, key)] = median;
                    string format = s_metrics.First(m => m.Key == key).Format;
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{median.ToString(format, CultureInfo.InvariantCulture)} [{values[0].ToString(format, CultureInfo.InvariantCulture)}–{values[^1].ToString(format, CultureInfo.InvariantCulture)}]"));
                }

                long errors = server.Sum(r => r.TryGetProperty("errors", out JsonElement e) ? e.GetInt64() : 0);
                text.AppendJoin(" | ", cells).AppendLine(CultureInfo.InvariantCulture, $" | {errors} |");
            }

            text.AppendLine();
            string[] servers = [.. scenario.Select(r => r.GetProperty("server").GetString()!).Distinct()];
            string baseline = baselines.Split(',').FirstOrDefault(servers.Contains) ?? servers[0];
            var comparisons = servers.Where(s => s != baseline).Select(s => (Server: s, Baseline: baseline)).ToList();
            foreach (string pair in pairs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] two = pair.Split('/');
                if (two.Length == 2 && servers.Contains(two[0]) && servers.Contains(two[1]) && two[1] != baseline)
                {
                    comparisons.Add((two[0], two[1]));
                }
            }

            foreach ((string server, string against) in comparisons)
            {
                var ratios = new List<string>();
                foreach (string key in keys)
                {
                    if (medians.TryGetValue((server, key), out double ours) && medians.TryGetValue((against, key), out double theirs) && theirs != 0)
                    {
                        ratios.Add(string.Create(CultureInfo.InvariantCulture, $"{Name(key)} {ours / theirs:0.00}×"));
                    }
                }

                if (ratios.Count > 0)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"- {server} / {against}: {string.Join(", ", ratios)}");
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Name(string key) => s_metrics.First(m => m.Key == key).Name;

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
