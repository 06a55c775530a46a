using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The custom format: pg_dump -Fc inside the database container, streamed (through a FIFO in the
/// container, or its stdout) into FrostGuard's compressor and SHA-256, into one file.
/// </summary>
public sealed class CustomDump : IDumpFormat
{
    public string FinalName(string id, FrostBackupCompression compression) => BackupManifest.ArchiveName(id, compression);

    public async Task<DumpOutput> DumpAsync(DumpContext context, CancellationToken cancellationToken)
    {
        var (session, request, container, reporter) = (context.Session, context.Request, context.Postgres, context.Reporter);
        var config = session.Config;
        reporter.Verbose($"pg_dump {context.PgDumpVersion} in {container.Name}, server {context.Server.Version}, database {context.Database} of {context.Server.DatabaseBytes / 1048576.0:N1} MB");
        var command = new List<string> { context.PgDump, "--format=custom" };
        command.AddRange(context.SourceArguments);
        if (request.EffectiveCompression != FrostBackupCompression.Gzip)
        {
            command.Add("--compress=0");
        }

        var (fifo, whyNoFifo) = config.Database.DumpOutput == DumpOutputs.Stdout
            ? (null, $"database.dumpOutput is '{DumpOutputs.Stdout}' in {config.SourcePath}")
            : await ContainerFifo.TryCreateAsync(session.Docker, container.ContainerId, container.Name, cancellationToken,
                left => reporter.Warning($"Removed {left}, a FIFO a backup whose process died left in {container.Name}.")).ConfigureAwait(false);
        using var output = fifo;
        if (output is not null)
        {
            // --no-sync: pg_dump's closing fsync fails on a FIFO (EINVAL); FrostGuard syncs its own file.
            command.AddRange(["--file=" + output.PathInContainer, "--no-sync"]);
            reporter.Verbose($"pg_dump writes to {output.PathInContainer} in {container.Name}, read here as {output.HostPath}");
        }
        else
        {
            reporter.Verbose($"pg_dump writes to the exec's stdout ({whyNoFifo})");
        }

        var password = context.PasswordLine();
        await using var writer = new ArchiveWriter(context.Partial, request.EffectiveCompression);
        var progress = new ProgressMeter(reporter, BackupRunner.ProgressActivity, $"Backing up {context.Database} to {context.Root}");
        var dumping = true;
        ExecResult result;
        try
        {
            result = await container.Exec.RunAsync(PgPassWrapper.Wrap(command),
                async (stdin, ct) => await stdin.WriteAsync(password, ct).ConfigureAwait(false),
                async (chunk, ct) =>
                {
                    await writer.WriteAsync(chunk, ct).ConfigureAwait(false);
                    progress.Report(writer.InputBytes, writer.OutputBytes);
                    if (dumping)
                    {
                        dumping = false;
                        CrashPoints.Reach(CrashPoints.BackupDumping);
                    }
                },
                cancellationToken, output).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw BackupErrors.WriteFailed(context.Partial, e);
        }
        finally
        {
            progress.Complete();
        }

        if (!result.Succeeded)
        {
            throw DumpFailed(context, result);
        }

        long size;
        string sha256;
        try
        {
            (size, sha256) = await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw BackupErrors.WriteFailed(context.Partial, e);
        }

        if (size == 0)
        {
            throw DumpFailed(context, new ExecResult(0, "pg_dump wrote nothing", null));
        }

        return new DumpOutput(size, writer.InputBytes, sha256);
    }

    public void Place(string partial, string final)
    {
        CrashPoints.Commit(CrashPoints.BackupDumped, partial);
        File.Move(partial, final);
    }

    public void Discard(string path) => File.Delete(path); // nothing when absent; any other failure surfaces

    private static FrostException DumpFailed(DumpContext context, ExecResult result)
    {
        var why = result.ExitCode is { } code
            ? $"pg_dump exited with code {code}"
            : "pg_dump's process was lost (the container stopped or restarted)";
        var detail = result.StandardError.Length > 0 ? ": " + result.StandardError : "";
        return new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed,
            $"The backup of database {context.Database} failed in container {context.Postgres.Name}: {why}{detail}. No backup was recorded and the partial file was removed.",
            context.Database, $"Check the database service (Get-FrostService {context.Postgres.Service}) and its log (`docker logs --tail 50 {context.Postgres.Name}`), then run Invoke-FrostBackup again.");
    }
}
