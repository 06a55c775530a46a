using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>What Test-FrostBackup -PointInTime checks, besides that the copy promotes: a table whose timestamp column a writer fills with clock_timestamp().</summary>
public sealed record DrillRequest(RecoveryTarget Target, string? Table = null, string? TimestampColumn = null, string? KeyColumn = null)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Test-FrostBackup -PointInTime: the live deployment's base backup and WAL archive recovered to
/// the target in a throwaway folder of the backup root by a <see cref="RecoveryInstance"/> (no
/// network, nothing of the live deployment touched), and measured. With a table, the row the
/// live database committed last before the target must be in the copy and the first one after it
/// must not. The folder and the container go whatever happens; a drill killed midway leaves a
/// .partial folder the next backup removes, and a container the next command removes.
/// </summary>
public sealed partial class RecoveryDrill
{
    /// <summary>Rows stamped this close before the target may still have committed after it: the row checked before the target is older than this.</summary>
    public static readonly TimeSpan CommitMargin = TimeSpan.FromMilliseconds(100);

    private readonly FrostSession _session;

    public RecoveryDrill(FrostSession session) => _session = session;

    public async Task<FrostRecoveryDrill> RunAsync(DrillRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        CheckIdentifiers(request);
        var recovery = new PointInTimeRecovery(_session);
        if (request.Target.Kind == RecoveryTargetKind.Time)
        {
            await recovery.MarkAsync(reporter, cancellationToken).ConfigureAwait(false);
        }

        var root = _session.BackupRoot;
        using var backupLock = BackupLock.Acquire(root, "recovery drill to " + request.Target);
        var plan = await recovery.PlanAsync(request.Target, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"drill plan: {plan.Describe()}");
        BackupRunner.RemoveLeftovers(root, reporter);
        var owner = await OwnerAsync(recovery, cancellationToken).ConfigureAwait(false);

        var work = Path.Combine(root, $"pitr-drill-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}.partial");
        var data = Path.Combine(work, "data");
        var progress = new ProgressUpdate(BackupRunner.ProgressActivity + 2, $"Recovery drill to {request.Target}", "");
        var clock = Stopwatch.StartNew();
        try
        {
            Platform.Os.PrivateFiles.CreateFolder(work);
            reporter.Progress(progress with { Status = $"extracting base backup {plan.Base.Manifest.Id}", PercentComplete = 10 });
            await recovery.PrepareFolderAsync(plan, data, owner, reporter, cancellationToken).ConfigureAwait(false);
            await using var instance = await RecoveryInstance.StartAsync(_session, data, plan.Scan.Folder, request.Target, cancellationToken).ConfigureAwait(false);
            var state = await instance.WaitPromotedAsync(request.Timeout, status => reporter.Progress(progress with { Status = status, PercentComplete = 50 }), cancellationToken).ConfigureAwait(false);
            var duration = clock.Elapsed;
            reporter.Verbose($"the copy promoted on timeline {state.Timeline} after replaying up to {state.ReplayedLsn}, {duration.TotalSeconds:N1} s after the start");
            RecoveryMeasurements.TryRecord(_session.StateFolder, "database-restore", duration, $"Test-FrostBackup -PointInTime ({request.Target})", reporter);

            var drill = new FrostRecoveryDrill
            {
                Target = request.Target.ToString(),
                BaseBackupId = plan.Base.Manifest.Id,
                ReplayedLsn = state.ReplayedLsn,
                Timeline = state.Timeline,
                RecoveryDuration = duration,
                Passed = true,
            };
            if (request.Table is not null)
            {
                drill = await CheckRowsAsync(request, request.Target.Time ?? plan.Point?.Time, instance, drill, cancellationToken).ConfigureAwait(false);
            }

            reporter.Progress(progress with { Status = "stopping the copy", PercentComplete = 90 });
            await instance.DisposeAsync().ConfigureAwait(false);
            return drill;
        }
        finally
        {
            reporter.Progress(progress with { Status = "done", Completed = true });
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>The live data folder's owner; when the database does not answer or its folder has no host path, the uid its container runs as.</summary>
    private async Task<(int Uid, int Gid)> OwnerAsync(PointInTimeRecovery recovery, CancellationToken cancellationToken)
    {
        try
        {
            return PointInTimeRecovery.OwnerOf((await recovery.LiveDataFolderAsync(cancellationToken).ConfigureAwait(false)).HostFolder);
        }
        catch (FrostException e) when (e.ErrorId is ErrorIds.DatabaseUnreachable or ErrorIds.DatabaseAuthenticationFailed or ErrorIds.PointInTimeRecoveryFailed)
        {
            var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
            return (await Platform.Database.JobContainer.FromAsync(_session.Docker, postgres, cancellationToken).ConfigureAwait(false)).NumericUser()
                ?? (Platform.Os.Posix.EffectiveUserId, Platform.Os.Posix.EffectiveGroupId);
        }
    }

    /// <summary>The live rows just before and just after the target (a time, or when the restore point was made), looked for in the copy.</summary>
    private async Task<FrostRecoveryDrill> CheckRowsAsync(DrillRequest request, DateTimeOffset? target, RecoveryInstance instance, FrostRecoveryDrill drill, CancellationToken cancellationToken)
    {
        var (table, column, key) = (request.Table!, request.TimestampColumn!, request.KeyColumn ?? "id");
        var database = _session.Config.Database.Name;
        string? before = null, after = null;
        await using (var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (target is { } time)
            {
                before = await ScalarAsync(connection, $"SELECT {key}::text || ' @ ' || {column}::text FROM {table} WHERE {column} <= $1 ORDER BY {column} DESC LIMIT 1", time - CommitMargin, cancellationToken).ConfigureAwait(false);
                after = await ScalarAsync(connection, $"SELECT {key}::text || ' @ ' || {column}::text FROM {table} WHERE {column} > $1 ORDER BY {column} LIMIT 1", time, cancellationToken).ConfigureAwait(false);
            }
        }

        bool? Present(string? row, string count) => row is null ? null : count.Trim() == "1";
        var beforePresent = before is null ? null : Present(before, await instance.QueryDatabaseAsync(database, $"SELECT count(*) FROM {table} WHERE {key}::text = '{KeyOf(before)}'", cancellationToken).ConfigureAwait(false));
        var afterPresent = after is null ? null : Present(after, await instance.QueryDatabaseAsync(database, $"SELECT count(*) FROM {table} WHERE {key}::text = '{KeyOf(after)}'", cancellationToken).ConfigureAwait(false));
        var newestText = await instance.QueryDatabaseAsync(database, $"SELECT coalesce(to_char(max({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '') FROM {table}", cancellationToken).ConfigureAwait(false);
        DateTimeOffset? newest = newestText.Length > 0 ? DateTimeOffset.Parse(newestText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;
        var passed = beforePresent is not false && afterPresent is not true && (target is null || newest is null || newest <= target);
        return new FrostRecoveryDrill
        {
            Target = drill.Target, BaseBackupId = drill.BaseBackupId, ReplayedLsn = drill.ReplayedLsn, Timeline = drill.Timeline, RecoveryDuration = drill.RecoveryDuration,
            VerifiedTable = $"{table}.{column}", RowBefore = before, RowBeforePresent = beforePresent, RowAfter = after, RowAfterAbsent = afterPresent is null ? null : !afterPresent,
            NewestInCopy = newest, Passed = passed,
        };
    }

    private static string KeyOf(string row) => row[..row.IndexOf(" @ ", StringComparison.Ordinal)].Replace("'", "''", StringComparison.Ordinal);

    private static async Task<string?> ScalarAsync(Npgsql.NpgsqlConnection connection, string sql, DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue(time);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Table and column names go into SQL text: only plain identifiers (schema.table allowed).</summary>
    private static void CheckIdentifiers(DrillRequest request)
    {
        if (request.Table is null != (request.TimestampColumn is null))
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                "-VerifyTable and -TimestampColumn go together: the table a writer fills and its clock_timestamp() column.", "VerifyTable", "Give both, or neither.");
        }

        foreach (var (name, value) in new[] { ("VerifyTable", request.Table), ("TimestampColumn", request.TimestampColumn), ("KeyColumn", request.KeyColumn) })
        {
            if (value is not null && !Identifier().IsMatch(value))
            {
                throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                    $"-{name} '{value}' is not a plain identifier (lower-case letters, digits and '_', a schema before a '.').", name, "Give the name as PostgreSQL folds it, e.g. public.readings.");
            }
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?$")]
    private static partial Regex Identifier();
}
