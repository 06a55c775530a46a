using System.Globalization;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The directory format: pg_dump -Fd -j N in a short-lived container from the database
/// service's own image (<see cref="JobContainer"/>), writing into <c>&lt;id&gt;.partial/</c> (the
/// only folder of the backup root it can write). The container's exit code decides; then every
/// file is hashed and fsynced and the folder becomes <c>&lt;id&gt;.dir</c>; the manifest holds a
/// SHA-256 per file and one over the list.
/// </summary>
public sealed class DirectoryDump : IDumpFormat
{
    /// <summary>pg_dump 15 compresses a directory archive's files with gzip only; level 1 is several times faster than its default 6 for a slightly larger dump, as the default format uses zstd level 1.</summary>
    public const int GzipLevel = 1;

    public string FinalName(string id, FrostBackupCompression compression) => DirectoryArchive.FolderName(id);

    public async Task<DumpOutput> DumpAsync(DumpContext context, CancellationToken cancellationToken)
    {
        var (session, request, postgres, reporter) = (context.Session, context.Request, context.Postgres, context.Reporter);
        var job = await JobContainer.FromAsync(session.Docker, postgres, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"pg_dump {context.PgDumpVersion} from image {job.Image} of {postgres.Name} as user '{job.User}', {request.Jobs} jobs, server {context.Server.Version}, database {context.Database} of {context.Server.DatabaseBytes / 1048576.0:N1} MB");

        // The folder pg_dump writes into, owned by the user it runs as; nothing else of the root is mounted.
        CreateOwnedFolder(context.Partial, job.NumericUser());
        var command = new List<string>
        {
            context.PgDump, "--format=directory", "--jobs=" + request.Jobs.ToString(CultureInfo.InvariantCulture),
            "--compress=" + (request.EffectiveCompression == FrostBackupCompression.Gzip ? GzipLevel : 0).ToString(CultureInfo.InvariantCulture),
            "--file=" + context.Partial,
        };
        command.AddRange(context.SourceArguments);
        var progress = new ProgressMeter(reporter, BackupRunner.ProgressActivity, $"Backing up {context.Database} to {Path.Combine(context.Root, FinalName(context.Id, request.EffectiveCompression))} ({request.Jobs} jobs)");
        ExecResult result;
        try
        {
            var dump = job.RunAsync("pg-dump", context.Root, command, [new JobMount(context.Partial, ReadOnly: false)],
                context.PasswordLine(), (_, _) => ValueTask.CompletedTask, cancellationToken);
            result = await ReportWhileRunning(dump, context.Partial, progress).ConfigureAwait(false);
        }
        finally
        {
            progress.Complete();
        }

        if (!result.Succeeded)
        {
            throw DumpFailed(context, job, result);
        }

        IReadOnlyList<BackupFileEntry> files;
        try
        {
            RestoreOwnership(context.Partial);
            PrivateFiles.Restrict(context.Partial); // pg_dump's umask is its own
            files = await DirectoryArchive.HashAsync(context.Partial, sync: true, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw BackupErrors.WriteFailed(context.Partial, e);
        }

        if (!files.Any(f => f.Name == "toc.dat"))
        {
            throw DumpFailed(context, job, new ExecResult(0, "pg_dump wrote no toc.dat", null));
        }

        var size = files.Sum(f => f.SizeBytes);
        return new DumpOutput(size, size, DirectoryArchive.ListDigest(files)) { Files = files, Jobs = request.Jobs };
    }

    public void Place(string partial, string final) => Directory.Move(partial, final);

    public void Discard(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static async Task<ExecResult> ReportWhileRunning(Task<ExecResult> dump, string partial, ProgressMeter progress)
    {
        // Progress from the folder's size, read twice a second while pg_dump writes it.
        while (await Task.WhenAny(dump, Task.Delay(500)).ConfigureAwait(false) != dump)
        {
            long bytes = 0;
            try
            {
                bytes = new DirectoryInfo(partial).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // a file renamed or removed while it was read: the next look counts it
            }

            progress.Report(bytes, bytes);
        }

        return await dump.ConfigureAwait(false);
    }

    private static void CreateOwnedFolder(string path, (int Uid, int Gid)? owner)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the directory format runs pg_dump in a Linux container beside the Docker Engine");
        }

        OwnedFolder.Create(path, owner);
    }

    /// <summary>The files pg_dump wrote belong to the database's uid: give them to this process's user, as the default format's files are (links are not followed).</summary>
    private static void RestoreOwnership(string folder)
    {
        var uid = Posix.EffectiveUserId;
        var gid = Posix.EffectiveGroupId;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Append(folder))
        {
            Posix.Chown(entry, uid, gid);
        }
    }

    private static FrostException DumpFailed(DumpContext context, JobContainer job, ExecResult result)
    {
        var why = result.ExitCode is { } code
            ? $"pg_dump exited with code {code}"
            : "pg_dump's container was lost";
        var detail = result.StandardError.Length > 0 ? ": " + result.StandardError : "";
        return new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed,
            $"The directory backup of database {context.Database} failed in a job container from the image of {context.Postgres.Name} ({job.Image}): {why}{detail}. No backup was recorded; the partial folder and the container were removed.",
            context.Database, $"Check the database service (Get-FrostService {context.Postgres.Service}) and its log (`docker logs --tail 50 {context.Postgres.Name}`), then run Invoke-FrostBackup -Format Directory again.");
    }
}
