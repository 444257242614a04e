using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RxSockets.Soak;

/// <summary>The figures of one soak run; <see cref="Failed"/> when a check failed.</summary>
public sealed class SoakResult
{
    public int Clients { get; set; }

    public TimeSpan Duration { get; set; }

    public TimeSpan Soaked { get; set; }

    public double Rate { get; set; }

    public int History { get; set; }

    /// <summary>Messages node A published.</summary>
    public long Published { get; set; }

    /// <summary>Distinct messages the clients' topic streams delivered.</summary>
    public long Delivered { get; set; }

    /// <summary>Data items whose (epoch, seq) was not newer than the last of that epoch.</summary>
    public long Duplicates { get; set; }

    /// <summary>The same published message delivered twice under two sequence numbers (or epochs).</summary>
    public long DuplicateBodies { get; set; }

    /// <summary>Messages the server sent a second time and <see cref="FeedClient"/> dropped (its <c>Duplicates</c>): not delivered, reported.</summary>
    public long DroppedByFeedClient { get; set; }

    /// <summary>A step in the sequence within an epoch with no reset before it.</summary>
    public long UnannouncedGaps { get; set; }

    /// <summary>Data of a new epoch with no reset before it.</summary>
    public long UnannouncedEpochChanges { get; set; }

    /// <summary>Data of an epoch the client had already left.</summary>
    public long StaleEpochs { get; set; }

    /// <summary>Published messages missing between consecutive sequence numbers with no reset (lost before Redis numbered them).</summary>
    public long SilentLosses { get; set; }

    /// <summary>Published messages a reset announced as missed.</summary>
    public long AnnouncedSkipped { get; set; }

    /// <summary>Of <see cref="AnnouncedSkipped"/>, numbers of a new epoch before the snapshot its reset sent: messages in its history, or a number a failed publish skipped.</summary>
    public long SkippedInNewEpoch { get; set; }

    /// <summary>Clients that had not reached the last published message when the drain ended.</summary>
    public int Incomplete { get; set; }

    /// <summary>Clients that never received a message.</summary>
    public int NoData { get; set; }

    /// <summary>Clients whose topic stream ended (completed or failed).</summary>
    public int Ended { get; set; }

    public Dictionary<string, long> Resets { get; } = new(StringComparer.Ordinal);

    public int ClientsReset { get; set; }

    public long Reconnects { get; set; }

    public int OnA { get; set; }

    public int OnB { get; set; }

    public double LatencyP50Ms { get; set; }

    public double LatencyP99Ms { get; set; }

    public double LatencyMaxMs { get; set; }

    public double NodeARssMiB { get; set; }

    public double NodeBRssMiB { get; set; }

    public double NodeBRssBeforeKillMiB { get; set; }

    public string? NodeAStats { get; set; }

    public string? NodeBStats { get; set; }

    /// <summary>A check failed: a duplicate, an unannounced gap or epoch change, a silent loss, or a client short of the last message.</summary>
    public bool Failed =>
        Duplicates + DuplicateBodies + UnannouncedGaps + UnannouncedEpochChanges + StaleEpochs + SilentLosses > 0
        || Incomplete > 0 || NoData > 0 || Ended > 0 || Published == 0;

    /// <summary>The figures as a markdown table.</summary>
    public override string ToString()
    {
        var table = new StringBuilder();
        void Row(string name, string value) => table.Append(CultureInfo.InvariantCulture, $"| {name} | {value} |\n");
        table.Append("| Figure | Value |\n| --- | --- |\n");
        Row("clients, duration", string.Create(CultureInfo.InvariantCulture, $"{Clients}, {Soaked.TotalSeconds:0} s (asked {Duration.TotalSeconds:0} s)"));
        Row("published (node A)", string.Create(CultureInfo.InvariantCulture, $"{Published} at {Rate:0.#} msgs/s, HistoryCount {History}"));
        Row("delivered", Delivered.ToString("N0", CultureInfo.InvariantCulture));
        Row("duplicates (same epoch+seq; same body twice)", string.Create(CultureInfo.InvariantCulture, $"{Duplicates}; {DuplicateBodies}"));
        Row("sent twice by a server, dropped by FeedClient", DroppedByFeedClient.ToString(CultureInfo.InvariantCulture));
        Row("unannounced gaps (seq step; epoch change; stale epoch; silent loss)", string.Create(CultureInfo.InvariantCulture, $"{UnannouncedGaps}; {UnannouncedEpochChanges}; {StaleEpochs}; {SilentLosses}"));
        Row("resets by reason (clients reset)", string.Create(CultureInfo.InvariantCulture, $"{(Resets.Count == 0 ? "none" : string.Join(", ", Resets.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}")))} ({ClientsReset})"));
        Row("messages announced as missed by a reset (of them numbered in the new epoch before its snapshot)", string.Create(CultureInfo.InvariantCulture, $"{AnnouncedSkipped:N0} ({SkippedInNewEpoch:N0})"));
        Row("clients short of the last message; with no message; ended", string.Create(CultureInfo.InvariantCulture, $"{Incomplete}; {NoData}; {Ended}"));
        Row("reconnects (clients on A / B at the end)", string.Create(CultureInfo.InvariantCulture, $"{Reconnects} ({OnA} / {OnB})"));
        Row("publish-to-receive latency p50 / p99 / max", string.Create(CultureInfo.InvariantCulture, $"{LatencyP50Ms:0.0} / {LatencyP99Ms:0.0} / {LatencyMaxMs:0.0} ms"));
        Row("RSS node A / node B at the end (B before its kill)", string.Create(CultureInfo.InvariantCulture, $"{NodeARssMiB:0} / {NodeBRssMiB:0} MiB ({NodeBRssBeforeKillMiB:0} MiB)"));
        Row("node A counters", NodeAStats ?? "-");
        Row("node B counters (since its restart)", NodeBStats ?? "-");
        Row("result", Failed ? "FAILED" : "passed");
        return table.ToString();
    }
}
