using System.Globalization;

namespace FrostGuard.Engine.Health;

/// <summary>One row of pg_stat_replication on the primary (a connected standby), or a physical replication slot no standby uses.</summary>
public sealed record ReplicaState(string? ApplicationName, string? ClientAddress, string? State, double? ReplayLagSeconds, double? ReplayLagBytes, string? Slot = null)
{
    /// <summary>How the result names the standby: replica:&lt;application_name&gt;@&lt;client address&gt;, or replica-slot:&lt;slot&gt;.</summary>
    public string Target => Slot is not null && State is null
        ? $"replica-slot:{Slot}"
        : $"replica:{(string.IsNullOrEmpty(ApplicationName) ? "(no application_name)" : ApplicationName)}@{ClientAddress ?? "local"}";
}

/// <summary>
/// Judges the standbys the primary reports. A streaming standby is judged by its replay lag in
/// seconds (pg_stat_replication.replay_lag; NULL there means it has replayed everything, so 0)
/// against the Replication Lag lines, with the bytes still to replay in the message. A standby
/// in another state (startup, catchup, backup) is Warning: it is not yet a usable copy. A
/// physical replication slot that no standby is using is Critical: its standby is gone, and
/// the slot keeps WAL on the primary's disk until someone drops it. No standby and no slot: no
/// result at all (most deployments have no replica; an Unknown every day would be noise).
/// The WAL archive's slot ($1, walArchive.slot) and pg_receivewal streaming through it (or
/// reconnecting, under its application_name $2, walArchive.service) are no
/// standby: the WalArchive check judges them.
/// </summary>
public static class ReplicationLag
{
    public const string Query = """
        SELECT application_name, host(client_addr), state,
               extract(epoch FROM replay_lag)::float8,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 END,
               NULL::text
        FROM pg_stat_replication
        WHERE pid IS DISTINCT FROM (SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1) AND application_name IS DISTINCT FROM $2
        UNION ALL
        SELECT NULL, NULL, NULL, NULL,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 END, slot_name::text
        FROM pg_replication_slots
        WHERE slot_type = 'physical' AND NOT active AND slot_name <> $1
        """;

    public static IReadOnlyList<FrostHealthResult> Judge(HealthContext context, string check, IReadOnlyList<ReplicaState> replicas, long started)
    {
        var rule = context.Thresholds.Describe(MetricKeys.ReplicationLag);
        var results = new List<FrostHealthResult>();
        foreach (var replica in replicas)
        {
            var duration = context.Clock.GetElapsedTime(started);
            if (replica.State is null && replica.Slot is not null)
            {
                results.Add(context.Result(check, replica.Target, HealthStatus.Critical,
                    $"Replication slot {replica.Slot} has no standby connected; it holds {Bytes(replica.ReplayLagBytes)} of WAL on the primary. " +
                    $"Start the standby, or drop the slot: SELECT pg_drop_replication_slot('{replica.Slot}');",
                    rule, duration: duration));
            }
            else if (replica.State is null)
            {
                results.Add(context.Result(check, replica.Target, HealthStatus.Unknown,
                    "A standby is connected, but this database user may not read its state: grant it pg_monitor (GRANT pg_monitor TO <user>) to judge the replication lag.",
                    rule, duration: duration));
            }
            else if (replica.State != "streaming")
            {
                results.Add(context.Result(check, replica.Target, HealthStatus.Warning,
                    $"The standby is in state '{replica.State}', not streaming yet; {Bytes(replica.ReplayLagBytes)} still to replay.",
                    rule, replica.ReplayLagSeconds ?? 0, "s", duration));
            }
            else
            {
                results.Add(context.Judge(check, replica.Target, MetricKeys.ReplicationLag, replica.ReplayLagSeconds ?? 0,
                    $"streaming; {Bytes(replica.ReplayLagBytes)} behind; replay lag", started));
            }
        }

        return results;
    }

    public static string Bytes(double? bytes) => bytes switch
    {
        null => "an unknown amount",
        < 1024 => $"{bytes.Value.ToString("0", CultureInfo.InvariantCulture)} bytes",
        < 1048576 => $"{(bytes.Value / 1024).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        _ => $"{(bytes.Value / 1048576).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
    };
}
