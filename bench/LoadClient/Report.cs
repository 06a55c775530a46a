using System.Text.Json;

namespace FrostGuard.Bench.LoadClient;

/// <summary>One mode's figures, computed from its records after the run.</summary>
public sealed class ModeSummary
{
    public required int Sent { get; init; }
    public required int Ok { get; init; }
    public required int Failed { get; init; }
    public required IReadOnlyDictionary<string, int> Reconnects { get; init; }
    public required int LateSlots { get; init; }
    public required double SendingMs { get; init; }
    public required double LongestGapMs { get; init; }
    public required double LongestGapFromMs { get; init; }
    public required double LongestGapToMs { get; init; }

    /// <summary>The same from the first successful response on: without the client's own start (a connection, the JIT).</summary>
    public required double LongestGapAfterFirstOkMs { get; init; }
    public required double LongestGapAfterFirstOkFromMs { get; init; }
    public required double LongestGapAfterFirstOkToMs { get; init; }
    public required double? P50LatencyMs { get; init; }
    public required double? P99LatencyMs { get; init; }
    public required double? MaxLatencyMs { get; init; }
    public required SortedDictionary<string, int> SlotsSeen { get; init; }
    public required int NoSlotHeader { get; init; }
    public required SortedDictionary<string, int> FailuresByKind { get; init; }
    public required double? FirstFailureMs { get; init; }
    public required double? LastFailureMs { get; init; }

    /// <summary>
    /// The longest time without a successful response: between the completions of two
    /// successive successful responses, from the start to the first one, and from the last one
    /// to the moment the mode stopped sending (so failures at the end are not hidden).
    /// </summary>
    public static ModeSummary Of(IReadOnlyList<RequestRecord> records, IReadOnlyDictionary<string, int> reconnects, int lateSlots, double sendingMs)
    {
        var okEnds = records.Where(r => r.Ok).Select(r => r.EndMs).Order().ToList();
        var ends = okEnds.Append(Math.Max(sendingMs, okEnds.Count > 0 ? okEnds[^1] : 0)).ToList();
        var (longest, from, to) = LongestGap(0, ends);
        var (warmLongest, warmFrom, warmTo) = okEnds.Count > 0 ? LongestGap(okEnds[0], ends) : (longest, from, to);

        var latencies = records.Where(r => r.Ok).Select(r => r.LatencyMs).Order().ToList();
        var failures = records.Where(r => !r.Ok).ToList();
        var slots = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var slot in records.Select(r => r.Slot).OfType<string>())
        {
            slots[slot] = slots.GetValueOrDefault(slot) + 1;
        }

        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var failure in failures)
        {
            var kind = failure.ErrorKind ?? $"status {failure.Status}";
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }

        return new ModeSummary
        {
            Sent = records.Count,
            Ok = records.Count - failures.Count,
            Failed = failures.Count,
            Reconnects = reconnects,
            LateSlots = lateSlots,
            SendingMs = sendingMs,
            LongestGapMs = longest,
            LongestGapFromMs = from,
            LongestGapToMs = to,
            LongestGapAfterFirstOkMs = warmLongest,
            LongestGapAfterFirstOkFromMs = warmFrom,
            LongestGapAfterFirstOkToMs = warmTo,
            P50LatencyMs = Percentile(latencies, 0.50),
            P99LatencyMs = Percentile(latencies, 0.99),
            MaxLatencyMs = latencies.Count > 0 ? latencies[^1] : null,
            SlotsSeen = slots,
            NoSlotHeader = records.Count(r => r.Slot is null && r.ErrorKind is null),
            FailuresByKind = kinds,
            FirstFailureMs = failures.Count > 0 ? failures.Min(f => f.StartMs) : null,
            LastFailureMs = failures.Count > 0 ? failures.Max(f => f.StartMs) : null,
        };
    }

    private static (double Longest, double From, double To) LongestGap(double start, List<double> ends)
    {
        double longest = 0, from = start, to = start, previous = start;
        foreach (var end in ends)
        {
            if (end - previous > longest)
            {
                (longest, from, to) = (end - previous, previous, end);
            }

            previous = end;
        }

        return (longest, from, to);
    }

    /// <summary>Nearest rank.</summary>
    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteNumber("sent", Sent);
        json.WriteNumber("ok", Ok);
        json.WriteNumber("failed", Failed);
        json.WriteNumber("reconnects", Reconnects.Values.Sum());
        json.WriteStartObject("reconnectReasons");
        foreach (var (reason, count) in Reconnects.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(reason, count);
        }

        json.WriteEndObject();
        json.WriteNumber("lateSlots", LateSlots);
        json.WriteNumber("sendingMs", Round(SendingMs));
        json.WriteNumber("requestsPerSecond", SendingMs > 0 ? Round(Sent * 1000.0 / SendingMs) : 0);
        json.WriteNumber("longestGapMs", Round(LongestGapMs));
        json.WriteNumber("longestGapFromMs", Round(LongestGapFromMs));
        json.WriteNumber("longestGapToMs", Round(LongestGapToMs));
        json.WriteNumber("longestGapAfterFirstOkMs", Round(LongestGapAfterFirstOkMs));
        json.WriteNumber("longestGapAfterFirstOkFromMs", Round(LongestGapAfterFirstOkFromMs));
        json.WriteNumber("longestGapAfterFirstOkToMs", Round(LongestGapAfterFirstOkToMs));
        WriteOptional(json, "p50LatencyMs", P50LatencyMs);
        WriteOptional(json, "p99LatencyMs", P99LatencyMs);
        WriteOptional(json, "maxLatencyMs", MaxLatencyMs);
        json.WriteStartObject("slotsSeen");
        foreach (var (slot, count) in SlotsSeen)
        {
            json.WriteNumber(slot, count);
        }

        json.WriteEndObject();
        json.WriteNumber("noSlotHeader", NoSlotHeader);
        json.WriteStartObject("failuresByKind");
        foreach (var (kind, count) in FailuresByKind)
        {
            json.WriteNumber(kind, count);
        }

        json.WriteEndObject();
        WriteOptional(json, "firstFailureMs", FirstFailureMs);
        WriteOptional(json, "lastFailureMs", LastFailureMs);
        json.WriteEndObject();
    }

    public string OneLine(string mode) =>
        $"{mode}: {Sent} sent, {Failed} failed, {Reconnects.Values.Sum()} reconnects, longest gap {LongestGapMs:F0} ms ({LongestGapAfterFirstOkMs:F0} ms after the first success), "
        + $"p50 {P50LatencyMs:F1} ms, p99 {P99LatencyMs:F1} ms"
        + (SlotsSeen.Count > 0 ? ", slots " + string.Join(" ", SlotsSeen.Select(s => $"{s.Key}={s.Value}")) : "")
        + (FailuresByKind.Count > 0 ? ", failures " + string.Join(" ", FailuresByKind.Select(s => $"{s.Key}={s.Value}")) : "");

    internal static double Round(double value) => Math.Round(value, 2);

    internal static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Round(v));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
