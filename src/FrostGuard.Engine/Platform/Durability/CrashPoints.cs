namespace FrostGuard.Engine.Platform.Durability;

/// <summary>
/// Every commit point of backup, copy, removal, retention, restore, undo, update, rotation and
/// recovery, in one place. A test sets <see cref="Variable"/> to a point's name and the process
/// that reaches it stops there, says so in the file <see cref="ReachedFileVariable"/> names, and
/// waits to be killed; <see cref="FailVariable"/> makes it throw there instead. Without the
/// variables a point costs two environment lookups.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "FROSTGUARD_CRASH_AT";
    public const string ReachedFileVariable = "FROSTGUARD_CRASH_REACHED";

    /// <summary>Set to a point's name, the process throws there instead: a failure of a kind FrostGuard did not foresee (not a FrostException).</summary>
    public const string FailVariable = "FROSTGUARD_FAIL_AT";

    /// <summary>How long a process stopped at a point waits for its kill before it fails instead (a test that never kills it).</summary>
    public static readonly TimeSpan KillWait = TimeSpan.FromMinutes(5);

    public static readonly CrashPoint BackupDumping = new("backup.dumping", "Invoke-FrostBackup",
        "<id>.intent (nothing of the dump is durable yet)",
        "No backup is listed. pg_dump, started by docker exec in the database container, may run on; the next command that changes something ends it (it carries FROSTGUARD_OWNER), and the next backup in the root removes the .partial file (undone).");

    public static readonly CrashPoint JobContainerCreated = new("job.container-created", "Invoke-FrostBackup -Format Directory (every job container)",
        "nothing on disk: a container labelled frostguard.owner",
        "A job container that no FrostGuard process waits on. The next command that changes something removes it and says so.");

    public static readonly CrashPoint BackupDumped = new("backup.dumped", "Invoke-FrostBackup",
        "<id>.partial (the whole dump)",
        "No backup is listed. The next backup in the root removes the .partial file and says so (undone).");

    public static readonly CrashPoint BaseBackupCopied = new("base-backup.copied", "Invoke-FrostBackup -Physical",
        "<id>.intent; <id>.partial/data (the whole copy, verified)",
        "No backup is listed. The next backup in the root removes the .partial folder and says so (undone).");

    public static readonly CrashPoint PointInTimeReplaying = new("pitr.replaying", "Restore-FrostBackup -PointInTime/-Latest/-RestorePoint",
        "the record naming the live, the recovered and the previous data folder; the recovered folder being replayed by a throwaway container",
        "The live database runs on, untouched. The next command that changes something removes the recovery container; the next Restore-FrostBackup removes the unfinished recovered folder (undone).");

    public static readonly CrashPoint PointInTimeWritersStopped = new("pitr.writers-stopped", "Restore-FrostBackup -PointInTime/-Latest/-RestorePoint",
        "the record with the stopped services; the recovered folder, promoted and shut down cleanly",
        "The writers and the database are stopped, the live data folder untouched. The next Restore-FrostBackup removes the recovered folder and starts them again (undone).");

    public static readonly CrashPoint PointInTimeSwapping = new("pitr.swapping", "Restore-FrostBackup -PointInTime/-Latest/-RestorePoint",
        "the live data folder renamed to <live>.before-pitr-<time>; the record",
        "The database is stopped and its data path empty; the recovered folder is complete. The next Restore-FrostBackup puts the recovered folder in place and starts everything again (finished); the previous folder is kept.");

    public static readonly CrashPoint PointInTimeSwapped = new("pitr.swapped", "Restore-FrostBackup -PointInTime/-Latest/-RestorePoint",
        "the recovered folder at the live path; the previous folder kept; the record",
        "The database runs on the recovered folder once started. The next Restore-FrostBackup starts what was stopped and creates the archive's slot again (finished).");

    public static readonly CrashPoint BackupFilesPlaced = new("backup.files-placed", "Invoke-FrostBackup",
        "<id>.intent naming the backup's files; the archive and the sealed configuration under their final names; the folder",
        "No backup is listed (no manifest); Get-FrostBackup names the interrupted backup. The next backup, copy or removal in the root removes its files (undone).");

    public static readonly CrashPoint BackupCommitted = new("backup.committed", "Invoke-FrostBackup",
        "the manifest (the commit) and the folder",
        "The backup is listed and complete. The next backup, copy or removal in the root drops the intent (finished).");

    public static readonly CrashPoint CopyFilesPlaced = new("copy.files-placed", "Copy-FrostBackup",
        "<id>.intent at the destination; the copied archive and configuration; the folder",
        "The copy is not listed at the destination. The next backup, copy or removal there removes its files (undone).");

    public static readonly CrashPoint CopyCommitted = new("copy.committed", "Copy-FrostBackup",
        "the copy's manifest and the folder",
        "The copy is listed and complete. The next backup, copy or removal there drops the intent (finished).");

    public static readonly CrashPoint RemoveManifestRemoved = new("remove.manifest-removed", "Remove-FrostBackup",
        "<id>.intent naming the files; the manifest's removal; the folder",
        "The backup is no longer listed; its archive is still there. The next backup, copy or removal in the root removes it (finished).");

    public static readonly CrashPoint RetentionOneRemoved = new("retention.one-removed", "Invoke-FrostBackupRetention",
        "the first expired backup's removal, intent dropped; the folder",
        "One expired backup is gone, the others listed. The next retention run decides again and removes the rest (finished).");

    public static readonly CrashPoint RestoreWritersStopped = new("restore.writers-stopped", "Restore-FrostBackup",
        "the operation record naming the services it stopped",
        "backend and worker are stopped; every command names the interrupted restore. The next Restore-FrostBackup (or Update-, Undo-FrostDeployment) starts them again, as nothing was restored (undone).");

    public static readonly CrashPoint RestoreSafetyTaken = new("restore.safety-taken", "Restore-FrostBackup",
        "the safety backup (committed) and the record naming it",
        "As at restore.writers-stopped; the safety backup is listed (undone).");

    public static readonly CrashPoint RestoreDatabaseChanging = new("restore.database-changing", "Restore-FrostBackup",
        "the record saying the database is being changed",
        "The database may be half changed. The next Restore-FrostBackup restores the safety backup into it and starts the services (undone); with -SkipSafetyBackup there is none, so it restores the backup again (finished).");

    public static readonly CrashPoint RestoreRestored = new("restore.restored", "Restore-FrostBackup",
        "the record saying the database is restored",
        "The database holds the backup; the services are stopped. The next Restore-FrostBackup starts them (finished).");

    public static readonly CrashPoint UndoReleaseApplied = new("undo.release-applied", "Undo-FrostDeployment",
        "the record naming the target release; the .env with its tags",
        "The containers run the target release; the record still names the release before. The next Undo-FrostDeployment applies the target again and records it current (finished).");

    public static readonly CrashPoint UndoTablesDropped = new("undo.tables-dropped", "Undo-FrostDeployment -RestoreDatabase",
        "the record saying the database is being changed",
        "Tables not in the release's backup are gone, the rest not yet restored. The next Undo-FrostDeployment restores the release's backup and records the release current (finished).");

    public static readonly CrashPoint UpdateReleaseRecorded = new("update.release-recorded", "Update-FrostDeployment",
        "the release record of the state before the update; the operation record",
        "Nothing changed yet, unless -Pull or an update without -Version had begun. The next Update-FrostDeployment or Undo-FrostDeployment applies the release before again, which changes nothing if nothing changed (undone).");

    public static readonly CrashPoint UpdateEnvWritten = new("update.env-written", "Update-FrostDeployment",
        "the .env with the new image tags; the folder",
        "The .env names the new version, the containers run the old one. The next Update-FrostDeployment or Undo-FrostDeployment puts the release before back (undone).");

    public static readonly CrashPoint UpdateApplied = new("update.applied", "Update-FrostDeployment",
        "the .env; the containers recreated by Compose",
        "The containers run the new version, not yet verified; the record names the release before. The next Update-FrostDeployment or Undo-FrostDeployment puts that release back (undone).");

    public static readonly CrashPoint UpdateSlotStarted = new("update.slot-started", "Update-FrostDeployment, Undo-FrostDeployment (slots)",
        "the .env with the idle slot's new tag; the idle slot's container started by Compose",
        "The new release runs in the idle slot, healthy or not; users are still served by the serving slot. The next Update- or Undo-FrostDeployment finds the proxy still on the serving slot, stops the other one and puts its tag back (undone).");

    public static readonly CrashPoint SwitchUpstreamWritten = new("switch.upstream-written", "Update-FrostDeployment, Undo-FrostDeployment (slots)",
        "the proxy's upstream include naming the new slot (atomic rename; the folder)",
        "The include names the new slot; nginx still serves the old one (not reloaded). The next Update- or Undo-FrostDeployment sees the include and nginx disagree, switches back to the slot the .env names while it is healthy, and stops the other (undone).");

    public static readonly CrashPoint UpdateSwitched = new("update.switched", "Update-FrostDeployment, Undo-FrostDeployment (slots)",
        "the include; nginx reloaded and verified to serve the new slot; the .env still names the old slot",
        "Users are served by the new slot; the old one still runs. The next Update- or Undo-FrostDeployment switches back to the slot the .env names while it is healthy and stops the new one (undone); were it not healthy, the new one keeps serving and is recorded.");

    public static readonly CrashPoint RotationPendingWritten = new("rotation.pending-written", "Update-FrostSecret",
        "the dated copy of the .env; the pending rotation (0600) holding the new value",
        "The database and the .env have the old password. The next command finds the pending rotation, sees the old password still opens the database, and drops it (undone).");

    public static readonly CrashPoint RotationRoleAltered = new("rotation.role-altered", "Update-FrostSecret",
        "the pending rotation (the database's new password is in it)",
        "The database has the new password, the .env the old one. The next command writes the new one to the .env and restarts the services that read it (finished).");

    public static readonly CrashPoint RotationEnvWritten = new("rotation.env-written", "Update-FrostSecret",
        "the .env with the new password; the folder",
        "Database and .env agree on the new password; the services may still hold the old one. The next command restarts them (finished).");

    public static readonly CrashPoint RecoveryStaged = new("recovery.staged", "Restore-FrostDeployment",
        "the operation record; the staging folder beside the target",
        "No new deployment exists yet. The next Restore-FrostDeployment removes the staging folder (undone).");

    public static readonly CrashPoint RecoveryMoved = new("recovery.moved", "Restore-FrostDeployment",
        "the restored files in the target folder; the record",
        "The target folder holds the restored files; nothing runs from it. The next Restore-FrostDeployment removes what this one made (undone).");

    public static IReadOnlyList<CrashPoint> All { get; } =
    [
        BackupDumping, JobContainerCreated, BackupDumped, BaseBackupCopied, BackupFilesPlaced, BackupCommitted, CopyFilesPlaced, CopyCommitted, RemoveManifestRemoved, RetentionOneRemoved,
        RestoreWritersStopped, RestoreSafetyTaken, RestoreDatabaseChanging, RestoreRestored, UndoReleaseApplied, UndoTablesDropped,
        UpdateReleaseRecorded, UpdateEnvWritten, UpdateApplied, UpdateSlotStarted, SwitchUpstreamWritten, UpdateSwitched, RotationPendingWritten, RotationRoleAltered, RotationEnvWritten,
        RecoveryStaged, RecoveryMoved, PointInTimeReplaying, PointInTimeWritersStopped, PointInTimeSwapping, PointInTimeSwapped,
    ];

    /// <summary>Stops here when a test asked for this point: tells the test, then waits for its kill.</summary>
    public static void Reach(CrashPoint point)
    {
        if (Environment.GetEnvironmentVariable(FailVariable) == point.Name)
        {
            throw new InvalidOperationException($"A fault injected at {point.Name} ({FailVariable} is for tests only).");
        }

        if (Environment.GetEnvironmentVariable(Variable) != point.Name)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(ReachedFileVariable) is { Length: > 0 } reached)
        {
            File.WriteAllText(reached, $"{point.Name} {Environment.ProcessId}\n");
        }

        // The test kills the process now; a wait that ends means no one did.
        using var never = new ManualResetEventSlim(false);
        if (!never.Wait(KillWait))
        {
            throw new InvalidOperationException($"Stopped at crash point {point.Name} for {KillWait.TotalMinutes:0} min and not killed; {Variable} is for tests only.");
        }
    }

    /// <summary>Makes files and the folders that hold them durable, then reaches the point.</summary>
    public static void Commit(CrashPoint point, params string[] paths)
    {
        Durable.Sync(paths);
        Reach(point);
    }
}
