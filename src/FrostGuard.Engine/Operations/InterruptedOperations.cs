using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Secrets;

namespace FrostGuard.Engine.Operations;

/// <summary>
/// The operations a dead process (or a failed command) left half done, named, and finished or
/// undone by the commands of their kind: the database password first (nothing works without it,
/// so any command finishes a rotation), a restore before the undo it may be part of, then updates
/// and recoveries. Resolution holds the deployment lock and reads the record again under it, so
/// two commands never finish one operation twice.
/// </summary>
public static class InterruptedOperations
{
    private static readonly string[] Order = [OperationRecord.Rotation, OperationRecord.PointInTime, OperationRecord.Restore, OperationRecord.Undo, OperationRecord.Update, OperationRecord.Recovery];

    /// <summary>The interrupted operations of the session's deployment, in the order they are resolved; and the records that cannot be read.</summary>
    public static (IReadOnlyList<OperationRecord> Records, IReadOnlyList<FrostException> Unreadable) Find(FrostSession session)
    {
        var (records, unreadable) = session.OperationRecords.Interrupted();
        return (InOrder(records), unreadable);
    }

    /// <summary>The order of resolution: rotation, restore, undo, update, recovery.</summary>
    public static IReadOnlyList<OperationRecord> InOrder(IEnumerable<OperationRecord> records) =>
        records.OrderBy(r => Array.IndexOf(Order, r.Operation)).ToList();

    /// <summary>The commands that finish or undo an operation of this kind (a rotation: every command).</summary>
    public static string FinishedBy(string operation) => operation switch
    {
        OperationRecord.Rotation => "The next FrostGuard command (not a -WhatIf run)",
        OperationRecord.Restore => "The next Restore-FrostBackup, Update-FrostDeployment or Undo-FrostDeployment (not a -WhatIf run)",
        OperationRecord.PointInTime => "The next Restore-FrostBackup (not a -WhatIf run)",
        OperationRecord.Recovery => "The next Restore-FrostDeployment (not a -WhatIf run)",
        _ => "The next Update-FrostDeployment or Undo-FrostDeployment (not a -WhatIf run)",
    };

    /// <summary>One line for a warning: what was interrupted, where, what that left, and what finishes or undoes it.</summary>
    public static string Describe(OperationRecord record)
    {
        var left = CrashPoints.All.FirstOrDefault(p => p.Name == record.Stage)?.Outcome
            ?? (record.Stage == DatabaseRestorer.StagePutBack
                ? "The restore failed and its safety backup is back in the database; services it stopped may still be stopped."
                : "It had begun and not reached its first commit point.");
        var how = record.Fact(OperationRecords.FactFailed) is { Length: > 0 } failure
            ? $"failed at {record.Stage} ({failure})"
            : $"by PID {ProcessIdentity.PidOf(record.Owner)} (gone), was interrupted at {record.Stage}";
        return $"{record.Command}, started {record.Started:u} {how}. {left} {FinishedBy(record.Operation)} finishes or undoes it first ({record.Path}).";
    }

    /// <summary>Finishes or undoes one interrupted operation; returns what was done, or that another command did it meanwhile.</summary>
    public static async Task<string> ResolveAsync(FrostSession session, OperationRecord record, Func<string, string?> getEnvironment, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(session.StateFolder, $"finishing the interrupted {record.Command}");
        var now = session.OperationRecords.Find(record.Operation);
        if (now is null || now.Owner != record.Owner || now.Started != record.Started)
        {
            return $"{record.Command}, started {record.Started:u}, was finished or undone by another command meanwhile.";
        }

        try
        {
            return await (now.Operation switch
            {
                OperationRecord.Rotation => new SecretRotator(session).ResolveInterruptedAsync(now, reporter, cancellationToken),
                OperationRecord.Restore => new DatabaseRestorer(session).ResolveInterruptedAsync(now, reporter, cancellationToken),
                OperationRecord.PointInTime => new PointInTimeRestorer(session).ResolveInterruptedAsync(now, reporter, cancellationToken),
                OperationRecord.Undo => new DeploymentUpdater(session).ResolveInterruptedUndoAsync(now, reporter, cancellationToken),
                OperationRecord.Update => new DeploymentUpdater(session).ResolveInterruptedUpdateAsync(now, reporter, cancellationToken),
                OperationRecord.Recovery => new DeploymentRecovery(session, getEnvironment).ResolveInterruptedAsync(now, reporter, cancellationToken),
                _ => throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                    $"{now.Path} names an operation FrostGuard does not know ({now.Operation}).", now.Path, $"Move {now.Path} away."),
            }).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId is ErrorIds.DeploymentChangeInProgress or ErrorIds.SecretRotationInProgress or ErrorIds.BackupInProgress or ErrorIds.InterruptedOperationUnresolved)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever failed, the operator learns what was being finished, why it failed, and how to leave it instead.
            throw new FrostException(ErrorIds.InterruptedOperationUnresolved, FailureKind.OperationFailed,
                $"Finishing or undoing {now.Command} (interrupted at {now.Stage}) failed: {e.Message} The record stays: {now.Path}.", now.Path,
                $"{(e as FrostException)?.RecommendedAction} Then run the command again; or, to leave the deployment as it is and no longer finish it, move {now.Path} out of {Path.GetDirectoryName(now.Path)}.".Trim(), e);
        }
    }
}
