using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Hosting;

/// <summary>
/// What every FrostGuard cmdlet shares: -ConfigPath, one engine session per invocation, async
/// engine work awaited on the pipeline thread with its messages written there, Ctrl+C as
/// cancellation, and engine failures as error records.
/// </summary>
public abstract class FrostCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<string> _finished = [];
    private IDisposable? _session;

    /// <summary>The configuration file; otherwise $env:FROSTGUARD_CONFIG, ./frostguard.json, /etc/frostguard/frostguard.json.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    protected CancellationToken Cancellation => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>The engine session, opened on first use; a configuration problem ends the command.</summary>
    private protected FrostSession Session
    {
        get
        {
            if (_session is FrostSession open)
            {
                return open;
            }

            try
            {
                var session = FrostSession.Open(ConfigPath, SessionState.Path.CurrentFileSystemLocation.ProviderPath, Environment.GetEnvironmentVariable);
                _session = session;
                AttendToInterruptedWork(session);
                return session;
            }
            catch (FrostException e)
            {
                ThrowTerminatingError(FrostErrors.ToRecord(e));
                throw; // not reached: ThrowTerminatingError always throws
            }
        }
    }

    /// <summary>
    /// What a FrostGuard process that died (or a command that failed) left half done. Every command
    /// names it; the commands of its kind (<see cref="FinishesInterrupted"/>; a rotation: every
    /// command) finish or undo it first, asking as the command itself would, and a command that
    /// changes something ends the processes and job containers dead FrostGuard processes left
    /// running. Not in a -WhatIf run.
    /// </summary>
    private void AttendToInterruptedWork(FrostSession session)
    {
        IReadOnlyList<Engine.Platform.Durability.OperationRecord> interrupted;
        try
        {
            (interrupted, var unreadable) = Engine.Operations.InterruptedOperations.Find(session);
            foreach (var problem in unreadable)
            {
                WriteWarning($"{problem.Message} {problem.RecommendedAction}");
            }
        }
        catch (FrostException e)
        {
            WriteWarning($"{e.Message} {e.RecommendedAction}");
            interrupted = [];
        }

        var whatIf = IsWhatIf();
        var asks = GetType().GetCustomAttributes(typeof(CmdletAttribute), false) is [CmdletAttribute { SupportsShouldProcess: true }];
        var changes = asks && !whatIf;
        if (changes)
        {
            foreach (var ended in Await((_, ct) => Engine.Platform.Docker.OrphanedWork.EndAsync(session.Docker, ct)))
            {
                WriteWarning($"Ended {ended}: the FrostGuard process that started it is gone.");
            }
        }

        foreach (var record in interrupted)
        {
            var ours = changes && FinishesInterrupted.Contains(record.Operation);
            var description = Engine.Operations.InterruptedOperations.Describe(record);
            if (whatIf || !ours && record.Operation != Engine.Platform.Durability.OperationRecord.Rotation)
            {
                WriteWarning(description);
                continue;
            }

            if (asks && !ShouldProcess(description, "Finish or undo the interrupted operation"))
            {
                if (ours)
                {
                    // Going on would start the same kind of operation over a half-done one (and overwrite its record).
                    throw new FrostException(ErrorIds.InterruptedOperationUnresolved, FailureKind.OperationFailed,
                        $"{description} It was not finished (declined), so this command changed nothing.", record.Path,
                        $"Run the command again and let it finish the interrupted one first; or, to leave the deployment as it is, move {record.Path} away.");
                }

                WriteWarning(description);
                continue;
            }

            try
            {
                WriteWarning(Await((reporter, ct) => Engine.Operations.InterruptedOperations.ResolveAsync(session, record, Environment.GetEnvironmentVariable, reporter, ct)));
                _finished.Add(record.Operation);
            }
            catch (FrostException e) when (!ours && e.ErrorId is ErrorIds.DeploymentChangeInProgress or ErrorIds.SecretRotationInProgress or ErrorIds.BackupInProgress)
            {
                WriteWarning($"{description} It was not finished now: {e.Message}");
            }
            catch (FrostException e) when (!ours)
            {
                WriteError(FrostErrors.ToRecord(e)); // not this command's to finish: it goes on (a database that is down must stay startable)
            }
        }
    }

    /// <summary>The kinds of interrupted operation this command finished or undid before its own work.</summary>
    private protected IReadOnlyList<string> FinishedOperations => _finished;

    /// <summary>The kinds of interrupted operation (<see cref="Engine.Platform.Durability.OperationRecord"/>) this command finishes or undoes before its own work.</summary>
    private protected virtual IReadOnlyCollection<string> FinishesInterrupted => [];

    private bool IsWhatIf() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) ? ((SwitchParameter)whatIf).IsPresent
            : SessionState.PSVariable.GetValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };

    /// <summary>Runs engine work off the pipeline thread and writes its messages here until it ends.</summary>
    private protected T Await<T>(Func<IFrostReporter, CancellationToken, Task<T>> work) => RunQueued<T>((reporter, ct) => work(reporter, ct));

    /// <summary>
    /// Like <see cref="Await{T}"/>, for engine work that yields items as it goes (log lines,
    /// command output, results as each is done): <paramref name="write"/> runs on the pipeline
    /// thread, in order, while the work goes on.
    /// </summary>
    private protected T AwaitStreaming<TItem, T>(Func<IFrostReporter, Action<TItem>, CancellationToken, Task<T>> work, Action<TItem> write) =>
        RunQueued<T>((reporter, ct) => work(reporter, item => reporter.Post(_ => write(item)), ct));

    /// <summary>
    /// Like <see cref="Await{T}"/>, with the queue itself handed to the work, so it can post
    /// pipeline-thread actions (WriteObject as each item ends, ShouldContinue). When the pipeline
    /// is stopped, writing stops, but the work is still awaited (it is cancelled, and may have
    /// clean-up to finish) before the stop is passed on.
    /// </summary>
    private protected T RunQueued<T>(Func<QueuedReporter, CancellationToken, Task<T>> work)
    {
        using var reporter = new QueuedReporter();
        var task = Task.Run(() => work(reporter, Cancellation));
        try
        {
            var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, reporter.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                reporter.Drain(this);
            }

            reporter.Drain(this);
        }
        finally
        {
            if (!task.IsCompleted)
            {
                // A Write* threw (the pipeline is stopping): the engine work still ends, and
                // cleans up after itself, before the command does.
                _stopping.Cancel();
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            }
            else
            {
                reporter.CompleteAll(this);
            }
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// The state folder for commands that can work without a deployment (runbook runs): the
    /// configured one when a configuration is found, else $env:FROSTGUARD_STATE or the default.
    /// </summary>
    private protected string StateFolderWithoutDeployment()
    {
        try
        {
            var session = FrostSession.Open(ConfigPath, SessionState.Path.CurrentFileSystemLocation.ProviderPath, Environment.GetEnvironmentVariable);
            _session = session;
            return session.StateFolder;
        }
        catch (FrostException e) when (e.ErrorId == ErrorIds.ConfigNotFound && ConfigPath is null)
        {
            return Engine.Configuration.StatePaths.StateFolder(null, Environment.GetEnvironmentVariable);
        }
        catch (FrostException e)
        {
            ThrowTerminatingError(FrostErrors.ToRecord(e));
            throw; // not reached
        }
    }

    /// <summary>The deployment's configuration file when the command found one, else null.</summary>
    private protected string? DeploymentConfigPath => (_session as FrostSession)?.Config.SourcePath;

    /// <summary>A failure of one item: written, and the command goes on with the next.</summary>
    private protected void WriteFrostError(FrostException e) => WriteError(FrostErrors.ToRecord(e));

    /// <summary>A failure that makes the rest of the command pointless.</summary>
    private protected void ThrowFrostError(FrostException e) => ThrowTerminatingError(FrostErrors.ToRecord(e));

    /// <summary>PowerShell disposes a command when its pipeline ends, however it ended.</summary>
    public void Dispose()
    {
        _session?.Dispose();
        _session = null;
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
