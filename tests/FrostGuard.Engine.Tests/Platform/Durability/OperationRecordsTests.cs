using System.Diagnostics;
using FrostGuard.Engine.Operations;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Tests.Platform.Durability;

/// <summary>
/// A record is interrupted only when its process is gone (boot, pid and start time all checked),
/// is private, and a record that cannot be read is an error naming the file, not a crash.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OperationRecordsTests : IDisposable
{
    private readonly TempFolder _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public void A_process_is_alive_only_while_boot_pid_and_start_time_match()
    {
        Assert.True(ProcessIdentity.IsAlive(ProcessIdentity.Current));
        var parts = ProcessIdentity.Current.Split('/');
        Assert.False(ProcessIdentity.IsAlive($"another-boot/{parts[1]}/{parts[2]}"));
        Assert.False(ProcessIdentity.IsAlive($"{parts[0]}/{parts[1]}/{long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 1}")); // a reused pid
        Assert.False(ProcessIdentity.IsAlive("not an identity"));

        using var child = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        var identity = $"{parts[0]}/{child.Id}/{StepSession.StartTime(child.Id)}";
        child.WaitForExit();
        Assert.False(ProcessIdentity.IsAlive(identity));
    }

    [Fact]
    public void A_record_is_interrupted_once_its_owner_is_gone_and_is_private()
    {
        var records = new OperationRecords(_state.Path, "prod");
        var live = records.Begin(OperationRecord.Update, "Update-FrostDeployment -Version next");
        Assert.Empty(records.Interrupted().Records);
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(live.Path), 8));

        records.Save(live with { Owner = "another-boot/1/1", Stage = CrashPoints.UpdateEnvWritten.Name });

        var interrupted = Assert.Single(records.Interrupted().Records);
        Assert.Equal(CrashPoints.UpdateEnvWritten.Name, interrupted.Stage);
        Assert.Contains(CrashPoints.UpdateEnvWritten.Outcome, InterruptedOperations.Describe(interrupted));
        records.End(interrupted);
        Assert.Empty(records.Interrupted().Records);
    }

    [Fact]
    public void A_command_that_failed_hands_its_record_on_at_once_though_its_process_lives()
    {
        var records = new OperationRecords(_state.Path, "prod");
        var record = records.Begin(OperationRecord.Undo, "Undo-FrostDeployment -To r1 -RestoreDatabase");

        records.Fail(record, new InvalidOperationException("the health check failed"));

        var failed = Assert.Single(records.Interrupted().Records);
        Assert.Contains("failed at begun (the health check failed)", InterruptedOperations.Describe(failed));
        Assert.Contains("The next Update-FrostDeployment or Undo-FrostDeployment", InterruptedOperations.Describe(failed));
    }

    [Fact]
    public void Another_deployments_records_in_a_shared_state_folder_are_never_seen()
    {
        var prod = new OperationRecords(_state.Path, "prod");
        prod.Save(prod.Begin(OperationRecord.Restore, "Restore-FrostBackup x") with { Owner = "another-boot/1/1" });

        Assert.Empty(new OperationRecords(_state.Path, "staging").Interrupted().Records);
        Assert.Single(prod.Interrupted().Records);
        Assert.Throws<FrostException>(() => new OperationRecords(_state.Path, "../prod"));
    }

    [Fact]
    public void A_record_that_cannot_be_read_or_is_not_what_its_name_says_is_named_and_the_others_still_count()
    {
        var records = new OperationRecords(_state.Path, "prod");
        records.Save(records.Begin(OperationRecord.Update, "Update-FrostDeployment") with { Owner = "another-boot/1/1" });
        _state.Write("operations/prod/restore.json", "{ torn");
        _state.Write("operations/prod/x.json", File.ReadAllText(Path.Combine(records.Folder, "update.json")));
        File.WriteAllText(Path.Combine(records.Folder, "rotation.json"), File.ReadAllText(Path.Combine(records.Folder, "update.json")));

        var (found, unreadable) = records.Interrupted();

        Assert.Equal(OperationRecord.Update, Assert.Single(found).Operation);
        Assert.Equal(3, unreadable.Count);
        Assert.All(unreadable, e => Assert.Equal(ErrorIds.OperationRecordInvalid, e.ErrorId));
        Assert.Contains(unreadable, e => e.Message.Contains("restore.json", StringComparison.Ordinal));
        Assert.Contains(unreadable, e => e.Message.Contains("x.json", StringComparison.Ordinal));
        Assert.Contains(unreadable, e => e.Message.Contains("rotation.json", StringComparison.Ordinal) && e.Message.Contains("'update'", StringComparison.Ordinal));
    }

    [Fact]
    public void Rotation_is_resolved_before_restore_and_restore_before_update()
    {
        var records = new OperationRecords(_state.Path, "prod");
        foreach (var operation in new[] { OperationRecord.Update, OperationRecord.Restore, OperationRecord.Rotation })
        {
            records.Save(records.Begin(operation, operation) with { Owner = "another-boot/1/1" });
        }

        Assert.Equal([OperationRecord.Rotation, OperationRecord.Restore, OperationRecord.Update],
            InterruptedOperations.InOrder(records.Interrupted().Records).Select(r => r.Operation));
    }
}
