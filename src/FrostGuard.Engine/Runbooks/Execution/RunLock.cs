using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// One run of a runbook against a deployment at a time: an exclusive flock on a file of the state
/// folder, named after the runbook's path and the deployment's configuration, held for the whole
/// run. The kernel releases it when the runner ends, however it ends; a step the runner left
/// running is the journal's business (<see cref="OrphanedSteps"/>), not the lock's.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly LockFile _lock;

    private RunLock(LockFile held, string path)
    {
        _lock = held;
        Path = path;
    }

    public string Path { get; }

    /// <param name="deployment">The deployment's configuration file, or null for a runbook run without one.</param>
    public static RunLock Acquire(string stateFolder, string runbookPath, string? deployment, string runId)
    {
        var folder = PrivateFiles.CreateFolder(System.IO.Path.Combine(RunJournal.RunsFolder(stateFolder), "locks"));
        var path = System.IO.Path.Combine(folder, KeyFor(runbookPath, deployment) + ".lock");
        LockFile? held;
        try
        {
            held = LockFile.TryAcquire(path, $"{runId} {Environment.ProcessId} {runbookPath}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.PermissionDenied,
                $"Cannot take the run lock {path} of {runbookPath}: {e.Message} Another user's run may hold it; runs share a lock only through one state folder.",
                runbookPath, $"Run as the user who owns {folder}, or give this user a state folder of its own ($env:FROSTGUARD_STATE).", e);
        }
        if (held is null)
        {
            var holder = (LockFile.ReadHolder(path) ?? "").Split(' ', 3);
            var (heldBy, pid) = (holder[0].Length > 0 ? holder[0] : "(unknown)", holder.Length > 1 ? holder[1] : "(unknown)");
            throw new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.OperationFailed,
                $"Run {heldBy} (PID {pid}) of {runbookPath} is still going{(deployment is null ? "" : $" against {deployment}")}; two runs of one runbook never run at once, so this one did not start.",
                runbookPath, $"Wait for it (Get-FrostRunbookRun -Id {heldBy}), or stop it (kill {pid}) and continue it with Invoke-FrostRunbook '{runbookPath}' -Resume.");
        }

        return new RunLock(held, path);
    }

    /// <summary>
    /// The lock's name: the runbook's and the deployment configuration's real paths (links
    /// resolved, so two ways to one file are one runbook, one deployment).
    /// </summary>
    public static string KeyFor(string runbookPath, string? deployment)
    {
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{Real(runbookPath)}\n{(deployment is null ? null : Real(deployment))}"))).ToLowerInvariant()[..16];

        static string Real(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            return Posix.RealPath(full) ?? full;
        }
    }

    public void Dispose() => _lock.Dispose();
}
