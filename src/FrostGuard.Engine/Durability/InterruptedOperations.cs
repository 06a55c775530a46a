using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Os;
using FrostGuard.Engine.Reporting;
using FrostGuard.Engine.Secrets;

namespace FrostGuard.Engine.Durability;

/// <summary>
/// The operations a dead process left half done (their records), named, and finished or undone:
/// the database password first (nothing works without it), a restore before the undo it may be
/// part of, then updates and recoveries.
/// </summary>
public static class InterruptedOperations
{
    private static readonly string[] Order = [OperationRecord.Rotation, OperationRecord.Restore, OperationRecord.Undo, OperationRecord.Update, OperationRecord.Recovery];

    public static IReadOnlyList<OperationRecord> Find(string stateFolder) =>
        new OperationRecords(stateFolder).Interrupted().OrderBy(r => Array.IndexOf(Order, r.Operation)).ToList();

    /// <summary>One line for a warning: what was interrupted, where, what that left, and what finishes or undoes it.</summary>
    public static string Describe(OperationRecord record)
    {
        var left = CrashPoints.All.FirstOrDefault(p => p.Name == record.Stage)?.Outcome ?? "It had begun and not reached its first commit point.";
        return $"{record.Command}, started {record.Started:u} by PID {ProcessIdentity.PidOf(record.Owner)} (gone), was interrupted at {record.Stage}. {left} "
            + "The next FrostGuard command that changes something (not a -WhatIf run) finishes or undoes it first.";
    }

    /// <summary>Finishes or undoes one interrupted operation; returns what was done.</summary>
    public static Task<string> ResolveAsync(FrostSession session, OperationRecord record, Func<string, string?> getEnvironment, IFrostReporter reporter, CancellationToken cancellationToken) =>
        record.Operation switch
        {
            OperationRecord.Rotation => new SecretRotator(session).ResolveInterruptedAsync(record, reporter, cancellationToken),
            OperationRecord.Restore => new DatabaseRestorer(session).ResolveInterruptedAsync(record, reporter, cancellationToken),
            OperationRecord.Undo => new DeploymentUpdater(session).ResolveInterruptedUndoAsync(record, reporter, cancellationToken),
            OperationRecord.Update => new DeploymentUpdater(session).ResolveInterruptedUpdateAsync(record, reporter, cancellationToken),
            OperationRecord.Recovery => new DeploymentRecovery(session, getEnvironment).ResolveInterruptedAsync(record, reporter, cancellationToken),
            _ => throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                $"{record.Path} names an operation FrostGuard does not know ({record.Operation}).", record.Path, $"Move {record.Path} away."),
        };
}
