using System.Diagnostics;
using FrostGuard.Engine.Durability;
using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Tests.Durability;

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
        var records = new OperationRecords(_state.Path);
        var live = records.Begin(OperationRecord.Update, "Update-FrostDeployment -Version next");
        Assert.Empty(records.Interrupted());
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(live.Path), 8));

        records.Save(live with { Owner = "another-boot/1/1", Stage = CrashPoints.UpdateEnvWritten.Name });

        var interrupted = Assert.Single(records.Interrupted());
        Assert.Equal(CrashPoints.UpdateEnvWritten.Name, interrupted.Stage);
        Assert.Contains(CrashPoints.UpdateEnvWritten.Outcome, InterruptedOperations.Describe(interrupted));
        records.End(interrupted);
        Assert.Empty(records.Interrupted());
    }

    [Fact]
    public void A_record_that_cannot_be_read_is_named_with_its_file()
    {
        _state.Write("operations/restore.json", "{ torn");

        var error = Assert.Throws<FrostException>(() => new OperationRecords(_state.Path).Interrupted());

        Assert.Equal(ErrorIds.OperationRecordInvalid, error.ErrorId);
        Assert.Contains("restore.json", error.Message);
    }

    [Fact]
    public void Rotation_is_resolved_before_restore_and_restore_before_update()
    {
        var records = new OperationRecords(_state.Path);
        foreach (var operation in new[] { OperationRecord.Update, OperationRecord.Restore, OperationRecord.Rotation })
        {
            records.Save(records.Begin(operation, operation) with { Owner = "another-boot/1/1" });
        }

        Assert.Equal([OperationRecord.Rotation, OperationRecord.Restore, OperationRecord.Update], InterruptedOperations.Find(_state.Path).Select(r => r.Operation));
    }
}
