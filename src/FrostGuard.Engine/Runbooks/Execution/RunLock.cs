using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// One run of a runbook against a deployment at a time: an exclusive flock on a file of the state
/// folder, named after the runbook's path and the deployment's configuration, held for the whole
/// run. The kernel releases it when the runner ends, however it ends; a step the runner left
/// running is the journal's business (<see cref="OrphanedSteps"/>), not the lock's.
/// </summary>
public sealed class RunLock : IDisposable
{
    private const int WouldBlock = 11;
    private readonly FileStream _stream;

    private RunLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <param name="deployment">The deployment's configuration file, or null for a runbook run without one.</param>
    public static RunLock Acquire(string stateFolder, string runbookPath, string? deployment, string runId)
    {
        var folder = PrivateFiles.CreateFolder(System.IO.Path.Combine(RunJournal.RunsFolder(stateFolder), "locks"));
        var path = System.IO.Path.Combine(folder, KeyFor(runbookPath, deployment) + ".lock");
        FileStream stream;
        try
        {
            stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.PermissionDenied,
                $"Cannot take the run lock {path} of {runbookPath}: {e.Message} Another user's run may hold it; runs share a lock only through one state folder.",
                runbookPath, $"Run as the user who owns {folder}, or give this user a state folder of its own ($env:FROSTGUARD_STATE).", e);
        }
        catch (IOException e) when (e.HResult == WouldBlock)
        {
            var holder = ReadHolder(path);
            throw new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.OperationFailed,
                $"Run {holder.RunId} (PID {holder.Pid}) of {runbookPath} is still going{(deployment is null ? "" : $" against {deployment}")}; two runs of one runbook never run at once, so this one did not start.",
                runbookPath, $"Wait for it (Get-FrostRunbookRun -Id {holder.RunId}), or stop it (kill {holder.Pid}) and continue it with Invoke-FrostRunbook '{runbookPath}' -Resume.", e);
        }

        try
        {
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes($"{runId} {Environment.ProcessId} {runbookPath}\n"));
            stream.Flush();
            return new RunLock(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
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

    private static (string RunId, string Pid) ReadHolder(string path)
    {
        try
        {
            // A FileStream opened by path would ask for a shared flock and be refused: read through a handle of our own.
            using var reader = new StreamReader(new FileStream(Posix.OpenNoFollow(path, FileMode.Open, FileAccess.Read, 0), FileAccess.Read));
            var parts = (reader.ReadLine() ?? "").Split(' ', 3);
            return (parts.Length > 0 && parts[0].Length > 0 ? parts[0] : "(unknown)", parts.Length > 1 ? parts[1] : "(unknown)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ("(unknown)", "(unknown)");
        }
    }

    public void Dispose() => _stream.Dispose();
}
