using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace FrostGuard.Engine.Tests.Secrets;

/// <summary>
/// Update-FrostSecret's decisions with the database and the containers faked
/// (<see cref="IRotationWork"/>): what is undone after which failure, what the .env, its dated
/// copy, the rotation log and the operation record hold afterwards, and how the next command
/// finishes or undoes a rotation by the password that opens the database. The files are real.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretRotatorTests : IDisposable
{
    private const string Old = "old-value-0123456789-abcdefghij";
    private const string EnvText = "# deployment\nPOSTGRES_PASSWORD=" + Old + "\nBACKEND_TAG=current\n";
    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeRotationWork _work = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));
    private readonly string _env;

    public SecretRotatorTests()
    {
        var deployment = Path.Combine(_folder.Path, "deployment");
        _env = _folder.Write("deployment/.env", EnvText);
        File.SetUnixFileMode(_env, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _session = UnitSessions.Open(_folder, deployment, """{ "envFileKey": "POSTGRES_PASSWORD" }""");
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_rotation_keeps_a_dated_copy_then_changes_the_role_then_the_env_then_restarts_the_readers()
    {
        var rotation = await Rotator().RotateAsync(Request(), NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["login old", "readers", "set new", "login new", "restart backend", "verify"], _work.Calls);
        Assert.Equal("new", _work.DatabaseHas);
        Assert.Equal(EnvText.Replace(Old, FakeRotationWork.New, StringComparison.Ordinal), File.ReadAllText(_env));
        Assert.Equal(EnvText, File.ReadAllText(rotation.BackupFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rotation.BackupFile));
        Assert.Equal(RotationOutcome.Rotated, Assert.Single(new RotationLog(_session.StateFolder).Read()).Outcome);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Rotation));
    }

    [Theory]
    [InlineData("restart backend")]
    [InlineData("verify")]
    public async Task A_failure_after_the_env_changed_puts_the_old_password_and_env_back_and_restarts_the_readers(string failing)
    {
        _work.FailAt = failing;

        var e = await Assert.ThrowsAsync<FrostException>(() => Rotator().RotateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.SecretRotationFailed, e.ErrorId);
        Assert.Equal("old", _work.DatabaseHas);
        Assert.Equal(EnvText, File.ReadAllText(_env));
        Assert.Equal("restart backend", _work.Calls[^1]);
        Assert.Equal(RotationOutcome.RolledBack, Assert.Single(new RotationLog(_session.StateFolder).Read()).Outcome);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Rotation));
        Assert.DoesNotContain(FakeRotationWork.New, e.Message);
    }

    [Fact]
    public async Task A_failure_while_the_role_changes_restores_the_old_password_whichever_the_role_has()
    {
        _work.FailAt = "login new"; // the ALTER ROLE went through, the proof failed

        await Assert.ThrowsAsync<FrostException>(() => Rotator().RotateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal("old", _work.DatabaseHas);
        Assert.Equal(EnvText, File.ReadAllText(_env));
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("restart", StringComparison.Ordinal)); // the readers never saw the new value
    }

    [Fact]
    public async Task A_rollback_that_fails_keeps_the_record_with_the_new_value_for_the_next_command()
    {
        _work.FailAt = "restart backend";
        _work.FailAlways = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Rotator().RotateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.SecretRollbackFailed, e.ErrorId);
        var record = Assert.Single(_session.OperationRecords.Interrupted().Records);
        Assert.Equal(OperationRecord.Rotation, record.Operation);
        Assert.Equal(RotationOutcome.RollbackFailed, Assert.Single(new RotationLog(_session.StateFolder).Read()).Outcome);
    }

    [Fact]
    public async Task An_unhealthy_reader_stops_the_rotation_before_anything_changes()
    {
        _work.ReaderHealth = FrostContainerHealth.unhealthy;

        var e = await Assert.ThrowsAsync<FrostException>(() => Rotator().RotateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.ServiceNotReady, e.ErrorId);
        Assert.Equal("old", _work.DatabaseHas);
        Assert.Equal([_env], Directory.GetFiles(Path.GetDirectoryName(_env)!)); // no dated copy
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Rotation));
    }

    [Theory]
    [InlineData("new", "Finished")]
    [InlineData("old", "Undone")]
    public async Task An_interrupted_rotation_is_finished_or_undone_by_the_password_that_opens_the_database(string databaseHas, string outcome)
    {
        // A rotation killed after its record (the new value) was written, before the .env changed.
        var copy = _env + ".20261205T030000Z";
        File.WriteAllText(copy, EnvText);
        var record = _session.OperationRecords.Begin(OperationRecord.Rotation, "Update-FrostSecret DatabasePassword", new Dictionary<string, string>
        {
            ["name"] = "DatabasePassword", ["role"] = "app", ["envFile"] = _env, ["key"] = "POSTGRES_PASSWORD", ["backupFile"] = copy, ["newValue"] = FakeRotationWork.New,
        });
        _work.DatabaseHas = databaseHas;

        var done = await Rotator().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.StartsWith(outcome, done[(done.IndexOf(". ", StringComparison.Ordinal) + 2)..], StringComparison.Ordinal);
        Assert.True(EnvFile.Load(_env).TryGet("POSTGRES_PASSWORD", out var value));
        Assert.Equal(databaseHas == "new" ? FakeRotationWork.New : Old, value);
        Assert.Equal(databaseHas == "new", _work.Calls.Contains("restart backend"));
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Rotation));
    }

    [Fact]
    public async Task An_undone_rotation_puts_a_quoted_old_value_back_as_its_line_stood()
    {
        // The old .env held a value an unquoted line cannot: it goes back verbatim from the dated copy.
        const string quoted = "POSTGRES_PASSWORD=\"horse battery staple\"";
        var copy = _env + ".20261205T030000Z";
        File.WriteAllText(copy, EnvText.Replace("POSTGRES_PASSWORD=" + Old, quoted, StringComparison.Ordinal));
        File.WriteAllText(_env, EnvText.Replace(Old, FakeRotationWork.New, StringComparison.Ordinal));
        var record = _session.OperationRecords.Begin(OperationRecord.Rotation, "Update-FrostSecret DatabasePassword", new Dictionary<string, string>
        {
            ["name"] = "DatabasePassword", ["role"] = "app", ["envFile"] = _env, ["key"] = "POSTGRES_PASSWORD", ["backupFile"] = copy, ["newValue"] = FakeRotationWork.New,
        });
        _work.OldValue = "horse battery staple";

        var done = await Rotator().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.Contains("Undone", done);
        Assert.Equal(File.ReadAllText(copy), File.ReadAllText(_env));
    }

    private SecretRotator Rotator() => new(_session, _clock, _work);

    private static SecretRotationRequest Request() => new(SecretRotator.DatabasePassword, FakeRotationWork.New, TimeSpan.FromSeconds(30));

    private sealed class FakeRotationWork : IRotationWork
    {
        public const string New = "new-value-0123456789-abcdefghijk";

        public List<string> Calls { get; } = [];
        /// <summary>Which password the role has: "old" or "new".</summary>
        public string DatabaseHas { get; set; } = "old";
        public FrostContainerHealth ReaderHealth { get; set; } = FrostContainerHealth.healthy;
        public string? FailAt { get; set; }
        public bool FailAlways { get; set; }

        public string OldValue { get; set; } = Old;

        public string CurrentPassword => OldValue;

        public Task ProveLoginAsync(string password, string what, CancellationToken cancellationToken)
        {
            Call("login " + Name(password));
            return Name(password) == DatabaseHas
                ? Task.CompletedTask
                : Task.FromException(new FrostException(ErrorIds.DatabaseAuthenticationFailed, FailureKind.AuthenticationFailed, $"Login with {what} failed.", "app", "Check the password."));
        }

        public Task SetPasswordAsync(string loginWith, string newValue, CancellationToken cancellationToken)
        {
            if (Name(loginWith) != DatabaseHas)
            {
                return Task.FromException(new FrostException(ErrorIds.DatabaseAuthenticationFailed, FailureKind.AuthenticationFailed, "Login failed.", "app", "Check the password."));
            }

            DatabaseHas = Name(newValue);
            Call("set " + Name(newValue));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<FrostService>> FindReadersAsync(string envPath, string currentValue, CancellationToken cancellationToken)
        {
            Call("readers");
            return Task.FromResult<IReadOnlyList<FrostService>>([new FrostService
            {
                Project = "unit", Service = "backend", Container = "unit-backend-1", ContainerId = "id-backend", State = FrostContainerState.running, Health = ReaderHealth, Image = "i", ImageId = "sha256:i",
            }]);
        }

        public Task RestartAsync(FrostService service, TimeSpan gracePeriod, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Call("restart " + service.Service);
            return Task.CompletedTask;
        }

        public Task<string> VerifyAsync(IReadOnlyList<FrostService> readers, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Call("verify");
            return Task.FromResult("login with the new password");
        }

        private string Name(string password) => password == New ? "new" : password == OldValue ? "old" : "other";

        private void Call(string call)
        {
            Calls.Add(call);
            if (call == FailAt)
            {
                FailAt = FailAlways ? FailAt : null;
                throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed, $"{call} failed", "backend", "Read its log.");
            }
        }
    }
}
