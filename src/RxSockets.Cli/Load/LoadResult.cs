using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace RxSockets.Cli.Load;

/// <summary>What one run measured. Fields that a mode does not measure stay null.</summary>
internal sealed class LoadResult
{
    public string Server { get; init; } = "";

    public string Scenario { get; init; } = "";

    public string Mode { get; init; } = "echo";

    public int Connections { get; init; }

    public int Window { get; init; }

    public int Size { get; init; }

    public double Seconds { get; init; }

    public long Messages { get; init; }

    public double? MessagesPerSecond { get; init; }

    /// <summary>Echoed payload, in MB (10^6 bytes) per second.</summary>
    public double? MegabytesPerSecond { get; init; }

    public double? P50Microseconds { get; init; }

    public double? P99Microseconds { get; init; }

    /// <summary>Server CPU seconds per million echoed messages (= µs per message).</summary>
    public double? ServerCpuSecondsPerMillion { get; init; }

    /// <summary>Server CPU use during the measurement, in % of one core.</summary>
    public double? ServerCpuPercent { get; init; }

    /// <summary>This tool's CPU use during the measurement, in % of one core (it must not be the bottleneck).</summary>
    public double? ClientCpuPercent { get; init; }

    public long? ServerRssKiB { get; init; }

    /// <summary>Idle mode: server RSS growth per open connection, KiB.</summary>
    public double? IdleRssKiBPerConnection { get; init; }

    /// <summary>Idle mode: server CPU per handshake (accept + upgrade), µs.</summary>
    public double? HandshakeCpuMicroseconds { get; init; }

    public long Errors { get; init; }

    public string? FirstError { get; init; }

    /// <summary>One JSON object on one line (snake_case names; what compare.sh collects).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("server", Server);
            json.WriteString("scenario", Scenario);
            json.WriteString("mode", Mode);
            json.WriteNumber("connections", Connections);
            json.WriteNumber("window", Window);
            json.WriteNumber("size", Size);
            json.WriteNumber("seconds", Math.Round(Seconds, 3));
            json.WriteNumber("messages", Messages);
            Write(json, "msgs_per_s", MessagesPerSecond);
            Write(json, "mb_per_s", MegabytesPerSecond);
            Write(json, "p50_us", P50Microseconds);
            Write(json, "p99_us", P99Microseconds);
            Write(json, "cpu_s_per_mmsg", ServerCpuSecondsPerMillion);
            Write(json, "server_cpu_pct", ServerCpuPercent);
            Write(json, "client_cpu_pct", ClientCpuPercent);
            Write(json, "server_rss_kib", ServerRssKiB);
            Write(json, "idle_rss_kib_per_conn", IdleRssKiBPerConnection);
            Write(json, "handshake_cpu_us", HandshakeCpuMicroseconds);
            json.WriteNumber("errors", Errors);
            if (FirstError is not null)
            {
                json.WriteString("first_error", FirstError);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The human summary: one row per measured quantity.</summary>
    public string ToTable()
    {
        var rows = new List<(string, string)>
        {
            ("server / scenario", $"{Server} / {Scenario} ({Mode})"),
            ("connections × in flight × size", $"{Connections} × {Window} × {Size} B"),
            ("measured", $"{Seconds:0.0} s, {Messages:N0} messages"),
        };
        Add(rows, "msgs/s", MessagesPerSecond, "N0");
        Add(rows, "MB/s (payload)", MegabytesPerSecond, "N1");
        Add(rows, "round trip p50 (µs)", P50Microseconds, "N1");
        Add(rows, "round trip p99 (µs)", P99Microseconds, "N1");
        Add(rows, "server CPU s / 1M msgs", ServerCpuSecondsPerMillion, "N2");
        Add(rows, "server CPU (% of a core)", ServerCpuPercent, "N0");
        Add(rows, "load tool CPU (% of a core)", ClientCpuPercent, "N0");
        Add(rows, "server RSS (KiB)", ServerRssKiB, "N0");
        Add(rows, "server RSS per idle conn (KiB)", IdleRssKiBPerConnection, "N2");
        Add(rows, "server CPU per handshake (µs)", HandshakeCpuMicroseconds, "N0");
        rows.Add(("errors", Errors == 0 ? "0" : $"{Errors} (first: {FirstError})"));

        int width = 0;
        foreach ((string name, _) in rows)
        {
            width = Math.Max(width, name.Length);
        }

        var text = new StringBuilder();
        foreach ((string name, string value) in rows)
        {
            text.Append("  ").Append(name.PadRight(width)).Append("  ").AppendLine(value);
        }

        return text.ToString();
    }

    private static void Add(List<(string, string)> rows, string name, double? value, string format)
    {
        if (value is double v)
        {
            rows.Add((name, v.ToString(format, CultureInfo.InvariantCulture)));
        }
    }

    private static void Add(List<(string, string)> rows, string name, long? value, string format)
    {
        if (value is long v)
        {
            rows.Add((name, v.ToString(format, CultureInfo.InvariantCulture)));
        }
    }

    private static void Write(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
    }

    private static void Write(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
    }
}
