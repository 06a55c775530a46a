using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

namespace FrostGuard.Engine.Secrets;

/// <summary>What to rotate, and optionally to what (else a CSPRNG value).</summary>
public sealed record SecretRotationRequest(string Name, string? NewValue, TimeSpan ServiceTimeout);

/// <summary>
/// Rotates the database password end to end: the role's password is set from a SCRAM-SHA-256
/// verifier computed here (the password never reaches the server), the .env is replaced
/// atomically with a dated 0600 copy of the old one kept, the containers that read the .env are
/// restarted through the service controller and must come back healthy, and the health URL must
/// answer. Anything failing after the first change puts the old password back in the database
/// and the old .env back, restarts the readers again, and says both what failed and what was undone.
/// The new value is written to a pending rotation record (0600, fsynced) before the database
/// changes: a process killed at any point leaves a password that the .env, the dated copy or the
/// record knows, and the next FrostGuard command finishes or undoes the rotation
/// (<see cref="ResolveInterruptedAsync"/>).
/// </summary>
public sealed class SecretRotator
{
    public const string DatabasePassword = "DatabasePassword";
    public static readonly IReadOnlyList<string> ManagedSecrets = [DatabasePassword];

    private const int ProgressId = 61;
    private const string RecordName = "name";
    private const string RecordRole = "role";
    private const string RecordEnvFile = "envFile";
    private const string RecordKey = "key";
    private const string RecordBackupFile = "backupFile";
    private const string RecordNewValue = "newValue";
    private static readonly TimeSpan RollbackServiceTimeout = TimeSpan.FromSeconds(120);
    private readonly FrostSession _session;
    private readonly TimeProvider _clock;
    private readonly IRotationWork _work;

    /// <param name="work">What a rotation does to the database and the containers; for real by default.</param>
    public SecretRotator(FrostSession session, TimeProvider? clock = null, IRotationWork? work = null)
    {
        _session = session;
        _clock = clock ?? TimeProvider.System;
        _work = work ?? new RotationWork(session, _clock);
    }

    private FrostConfig Config => _session.Config;

    public string EnvPath => Config.Project.EnvPath;

    /// <summary>What -WhatIf and the confirmation prompt name.</summary>
    public string Describe() => $"the password of database role {Config.Database.User} at {Config.Database.Host}:{Config.Database.Port} and {Config.Database.Password.EnvFileKey} in {EnvPath}";

    public async Task<FrostSecretRotation> RotateAsync(SecretRotationRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var progress = new ProgressUpdate(ProgressId, $"Rotating {request.Name}", "");
        try
        {
            return await RotateCoreAsync(request, reporter, p => reporter.Progress(progress with { Status = p.Status, PercentComplete = p.Percent }), started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            reporter.Progress(progress with { Completed = true });
        }
    }

    private async Task<FrostSecretRotation> RotateCoreAsync(SecretRotationRequest request, IFrostReporter reporter, Action<(string Status, int Percent)> step, long started, CancellationToken cancellationToken)
    {
        if (request.Name != DatabasePassword)
        {
            throw new FrostException(ErrorIds.SecretNotManaged, FailureKind.InvalidData,
                $"FrostGuard manages no secret named {request.Name}.", request.Name, $"Managed secrets: {string.Join(", ", ManagedSecrets)}.");
        }

        var key = Config.Database.Password.EnvFileKey;
        if (string.IsNullOrEmpty(key))
        {
            throw new FrostException(ErrorIds.SecretNotManaged, FailureKind.InvalidConfiguration,
                $"The database password comes from the environment variable {Config.Database.Password.EnvironmentVariable}, which FrostGuard cannot rewrite for the services.",
                Config.SourcePath, $"Keep the password in the deployment's .env (database.password.envFileKey in {Config.SourcePath}), or rotate it by hand.");
        }

        if (request.NewValue is { } given && SecretPolicy.Reject(given) is { } why)
        {
            throw new FrostException(ErrorIds.SecretValueRejected, FailureKind.InvalidData,
                $"The value given with -NewValue is refused: {why}.", request.Name, "Omit -NewValue to let FrostGuard generate a strong value, or give one that meets the rule.");
        }

        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"Update-FrostSecret {request.Name}");
        using var rotationLock = RotationLock.Acquire(_session.StateFolder, $"rotating {request.Name} of {EnvPath}");

        // 1. Preflight: the current value works, the readers are known and healthy, nobody holds the value in its environment.
        step(("Preflight: current password, services that read the .env", 5));
        var envPath = EnvPath;
        var oldText = await File.ReadAllTextAsync(envPath, cancellationToken).ConfigureAwait(false);
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var oldValue = _work.CurrentPassword;
        await _work.ProveLoginAsync(oldValue, "the current password from " + envPath, cancellationToken).ConfigureAwait(false);
        var readers = await _work.FindReadersAsync(envPath, oldValue, cancellationToken).ConfigureAwait(false);
        reporter.Verbose(readers.Count == 0
            ? $"No container mounts {envPath}; none will be restarted."
            : $"Containers that read {envPath}: {string.Join(", ", readers.Select(r => r.Container))}.");
        foreach (var reader in readers.Where(r => !r.IsRunning || r.Health == FrostContainerHealth.unhealthy))
        {
            throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                $"{reader.Container} is {reader.State}/{reader.Health} before the rotation; a rotation would not be verifiable.", reader.Service,
                $"Make it healthy first (Get-FrostLog -Name {reader.Service} -Tail 50; Restart-FrostService {reader.Service}), then rotate.");
        }

        var newValue = request.NewValue ?? SecretPolicy.Generate();
        var valueSource = request.NewValue is null ? "Generated" : "Given";
        var role = Config.Database.User;
        var stamp = _clock.GetUtcNow();
        var backupPath = $"{envPath}.{stamp:yyyyMMdd'T'HHmmss'Z'}";
        var log = new RotationLog(_session.StateFolder);
        var records = _session.OperationRecords;
        OperationRecord? record = null;

        // What has been changed so far, for the rollback.
        var databaseChanged = false;
        var envReplaced = false;
        var restarted = new List<FrostService>();
        try
        {
            // 2. The dated copy first: nothing changes before the old .env is safe.
            step(("Keeping a dated copy of the .env", 15));
            if (File.Exists(backupPath))
            {
                backupPath += "." + Guid.NewGuid().ToString("N")[..8];
            }

            // Created 0600 from its first byte, owned like the .env, fsynced, renamed into place.
            AtomicFile.Write(backupPath, oldText, ownerOnly, ownerReference: envPath);
            reporter.Verbose($"The old .env is kept as {backupPath} (0600, owned like the .env).");

            // The new value is on disk before the database has it: no crash leaves a password no file knows.
            record = records.Begin(OperationRecord.Rotation, $"Update-FrostSecret {request.Name}", new Dictionary<string, string>
            {
                [RecordName] = request.Name, [RecordRole] = role, [RecordEnvFile] = envPath, [RecordKey] = key, [RecordBackupFile] = backupPath, [RecordNewValue] = newValue,
            });
            CrashPoints.Reach(CrashPoints.RotationPendingWritten);

            // 3. The role's password, as a verifier.
            step(($"ALTER ROLE {role} (SCRAM-SHA-256 verifier)", 30));
            databaseChanged = true; // from here a failure may have changed it: roll back either way
            await _work.SetPasswordAsync(oldValue, newValue, cancellationToken).ConfigureAwait(false);
            await _work.ProveLoginAsync(newValue, "the new password", cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Role {role} has a new SCRAM-SHA-256 verifier; a login with the new password succeeded.");
            record = records.Save(record.At(CrashPoints.RotationRoleAltered));
            CrashPoints.Reach(CrashPoints.RotationRoleAltered);

            // 4. The .env.
            step(($"Replacing {envPath}", 50));
            envReplaced = true;
            AtomicFile.Write(envPath, EnvFile.WithValue(oldText, key, newValue), ownerOnly, ownerReference: envPath);
            if (!EnvFile.Load(envPath).TryGet(key, out var written) || written != newValue)
            {
                throw new InvalidOperationException($"{envPath} does not hold the new value after it was replaced");
            }

            record = records.Save(record.At(CrashPoints.RotationEnvWritten));
            CrashPoints.Reach(CrashPoints.RotationEnvWritten);

            // 5. The services that read it, one after the other, each until healthy.
            foreach (var reader in readers)
            {
                step(($"Restarting {reader.Container}", 60));
                restarted.Add(reader);
                await _work.RestartAsync(reader, TimeSpan.FromSeconds(10), request.ServiceTimeout, reporter, cancellationToken).ConfigureAwait(false);
            }

            // 6. The deployment answers with the new value.
            step(("Verifying the health URL", 85));
            var verification = await _work.VerifyAsync(readers, reporter, cancellationToken).ConfigureAwait(false);

            var entry = new RotationEntry
            {
                Name = request.Name, At = _clock.GetUtcNow(), Outcome = RotationOutcome.Rotated, Role = role, EnvFile = envPath, BackupFile = backupPath,
            };
            log.Append(entry);
            records.End(record);
            step(("Done", 100));
            return new FrostSecretRotation
            {
                Name = request.Name,
                Role = role,
                RotatedAt = entry.At,
                ValueSource = valueSource,
                EnvFile = envPath,
                BackupFile = backupPath,
                RestartedServices = readers.Select(r => r.Service).Distinct().ToList(),
                Verification = verification,
                Duration = _clock.GetElapsedTime(started),
            };
        }
        catch (Exception failure)
        {
            var reason = Describe(failure);
            reporter.Warning($"Rotation of {request.Name} failed: {reason}. Rolling back.");
            var undone = new List<string>();
            try
            {
                // Never cancelled: a half-rolled-back deployment is worse than a slow Ctrl+C.
                if (databaseChanged)
                {
                    await RestorePasswordAsync(oldValue, newValue, CancellationToken.None).ConfigureAwait(false);
                    undone.Add($"the old password of role {role} is back (login verified)");
                }

                if (envReplaced)
                {
                    AtomicFile.Write(envPath, oldText, ownerOnly, ownerReference: envPath);
                    undone.Add($"{envPath} is back as it was (copy kept in {backupPath})");
                }

                // The way back is given at least the default time, even when the way forward was given less.
                var toRestart = envReplaced ? readers : restarted;
                var patience = request.ServiceTimeout > RollbackServiceTimeout ? request.ServiceTimeout : RollbackServiceTimeout;
                foreach (var reader in toRestart)
                {
                    await _work.RestartAsync(reader, TimeSpan.FromSeconds(10), patience, reporter, CancellationToken.None).ConfigureAwait(false);
                }

                if (toRestart.Count > 0)
                {
                    undone.Add($"{string.Join(", ", toRestart.Select(r => r.Service).Distinct())} restarted and healthy with the old value");
                }
            }
            catch (Exception rollbackFailure)
            {
                if (record is not null)
                {
                    records.Fail(record, rollbackFailure); // the next command finishes or undoes it, by the password that opens the database
                }

                log.Append(new RotationEntry
                {
                    Name = request.Name, At = _clock.GetUtcNow(), Outcome = RotationOutcome.RollbackFailed, Role = role, EnvFile = envPath, BackupFile = backupPath,
                    Reason = $"{reason}; rollback: {Describe(rollbackFailure)}",
                });
                throw new FrostException(ErrorIds.SecretRollbackFailed, FailureKind.OperationFailed,
                    $"Rotation of {request.Name} failed ({reason}) and so did its rollback ({Describe(rollbackFailure)}). Undone so far: {(undone.Count == 0 ? "nothing" : string.Join("; ", undone))}.",
                    request.Name,
                    $"The old .env is in {backupPath}: copy it over {envPath} (keep mode 0600 and its owner), set that password for role {role}, then Restart-FrostService {string.Join(",", readers.Select(r => r.Service).Distinct())}.",
                    new AggregateException(failure, rollbackFailure));
            }

            log.Append(new RotationEntry
            {
                Name = request.Name, At = _clock.GetUtcNow(), Outcome = RotationOutcome.RolledBack, Role = role, EnvFile = envPath, BackupFile = backupPath, Reason = reason,
            });
            if (record is not null)
            {
                records.End(record); // undone: the old value is in the database and the .env again
            }

            if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new FrostException(ErrorIds.SecretRotationFailed, FailureKind.OperationFailed,
                $"Rotation of {request.Name} failed: {reason}. Rolled back: {(undone.Count == 0 ? "nothing had changed" : string.Join("; ", undone))}.",
                request.Name,
                failure is FrostException frost ? frost.RecommendedAction : "Fix the cause named above, then run Update-FrostSecret again.",
                failure);
        }
    }

    /// <summary>
    /// Finishes or undoes a rotation whose process died: the password that opens the database
    /// now decides. The new one (from the record): it is written to the .env if it is not there
    /// yet, and the services that read the .env are restarted (finished). The old one (from the
    /// dated copy): the .env gets it back if it lost it (undone). Neither: the record stays, and
    /// the error names the files that hold both values.
    /// </summary>
    /// <returns>What was done, for the warning the caller writes.</returns>
    public async Task<string> ResolveInterruptedAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        // The caller holds the deployment lock and read the record again under it.
        using var rotationLock = RotationLock.Acquire(_session.StateFolder, $"finishing the interrupted {record.Command}");
        var records = _session.OperationRecords;
        var envPath = EnvPath;
        var key = record.Fact(RecordKey);
        var newValue = record.Fact(RecordNewValue);
        var backupFile = record.Fact(RecordBackupFile);
        if (record.Fact(RecordEnvFile) != envPath || Path.GetDirectoryName(backupFile) != Path.GetDirectoryName(envPath) || key.Length == 0)
        {
            // A record names only this deployment's .env and its dated copies beside it; nothing else is read or written because of it.
            throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                $"{record.Path} names {record.Fact(RecordEnvFile)} (copy {backupFile}), not this deployment's {envPath}.", record.Path,
                $"Move {record.Path} away; if a password changed, set it in {envPath} by hand.");
        }
        var oldValue = File.Exists(backupFile) && EnvFile.Load(backupFile).TryGet(key, out var kept) ? kept : null;
        var since = record.Interruption;

        string? opens = null;
        foreach (var (candidate, which) in new[] { (newValue, "new"), (oldValue, "old") })
        {
            if (candidate is null)
            {
                continue;
            }

            try
            {
                await _work.ProveLoginAsync(candidate, $"the {which} password", cancellationToken).ConfigureAwait(false);
                opens = which;
                break;
            }
            catch (FrostException e) when (e.ErrorId == ErrorIds.DatabaseAuthenticationFailed)
            {
                // the other one, then
            }
        }

        if (opens is null)
        {
            throw new FrostException(ErrorIds.InterruptedOperationUnresolved, FailureKind.OperationFailed,
                $"{since}; neither the new password (in {record.Path}) nor the old one (in {backupFile}) opens the database as {record.Fact(RecordRole)}.", record.Path,
                $"Set one of them for role {record.Fact(RecordRole)} by hand (psql: \\password {record.Fact(RecordRole)}), put it in {envPath}, then run any FrostGuard command to finish.");
        }

        var value = opens == "new" ? newValue : oldValue!;
        var text = await File.ReadAllTextAsync(envPath, cancellationToken).ConfigureAwait(false);
        var envChanged = !(EnvFile.Parse(text).TryGet(key, out var current) && current == value);
        if (envChanged)
        {
            // The old value goes back as its line stood in the dated copy (quoted as it was); the new one is plain by policy.
            var rewritten = opens == "new" ? EnvFile.WithValue(text, key, value) : EnvFile.WithLineOf(text, key, File.ReadAllText(backupFile));
            AtomicFile.Write(envPath, rewritten, UnixFileMode.UserRead | UnixFileMode.UserWrite, ownerReference: envPath);
        }

        // Finishing restarts the readers whatever the .env held: they may have started before it changed.
        var restarted = new List<string>();
        if (opens == "new" || envChanged)
        {
            foreach (var reader in await _work.FindReadersAsync(envPath, value, cancellationToken).ConfigureAwait(false))
            {
                await _work.RestartAsync(reader, TimeSpan.FromSeconds(10), RollbackServiceTimeout, reporter, cancellationToken).ConfigureAwait(false);
                restarted.Add(reader.Service);
            }
        }

        new RotationLog(_session.StateFolder).Append(new RotationEntry
        {
            Name = record.Fact(RecordName), At = _clock.GetUtcNow(), Outcome = opens == "new" ? RotationOutcome.Rotated : RotationOutcome.RolledBack,
            Role = record.Fact(RecordRole), EnvFile = envPath, BackupFile = backupFile, Reason = $"{since}; {(opens == "new" ? "finished" : "undone")} by the next command",
        });
        records.End(record);
        var services = restarted.Count == 0 ? "" : $"; {string.Join(", ", restarted.Distinct())} restarted and healthy";
        return opens == "new"
            ? $"{since}. Finished: the database had the new password; {(envChanged ? $"it is now in {envPath}" : $"{envPath} had it too")}{services}."
            : $"{since}. Undone: the database still had the old password; {(envChanged ? $"{envPath} has it back" : $"{envPath} had it too")}{services}.";
    }

    /// <summary>Puts the old password back, whichever of the two the role has now.</summary>
    private async Task RestorePasswordAsync(string oldValue, string newValue, CancellationToken cancellationToken)
    {
        try
        {
            await _work.ProveLoginAsync(oldValue, "the old password", cancellationToken).ConfigureAwait(false);
            // The old one still works: the ALTER ROLE never happened, yet set it again so the
            // role's verifier is certainly the one for the old value.
            await _work.SetPasswordAsync(oldValue, oldValue, cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId == ErrorIds.DatabaseAuthenticationFailed)
        {
            await _work.SetPasswordAsync(newValue, oldValue, cancellationToken).ConfigureAwait(false);
        }

        await _work.ProveLoginAsync(oldValue, "the restored old password", cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(Exception e) => e switch
    {
        FrostException frost => frost.Message,
        PostgresException pg => $"PostgreSQL {pg.SqlState}: {pg.MessageText}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
