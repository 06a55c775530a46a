using System.Collections;
using System.Management.Automation;
using System.Security;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Runs a Markdown runbook: PowerShell steps in one runspace, bash steps as bash -euo pipefail
/// children, with timeouts, retries, rollback, finally steps, a journal and -Resume. -WhatIf is
/// a real dry run: read-only steps run, provably safe PowerShell steps run under -WhatIf, the
/// rest are described. One result per step, written as each step ends.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostRunbook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostStepResult))]
public sealed class InvokeFrostRunbookCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Run only these sections (ids), subsections included.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Section { get; set; } = [];

    /// <summary>Run only these steps (ids).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Step { get; set; } = [];

    /// <summary>Values for the runbook's parameters; secret ones as SecureString.</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    /// <summary>Continue the latest unfinished run of this runbook: every step whose effect is not in place runs, with that run's parameters.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Run confirm/destructive steps without asking; resume a runbook that changed, or with other parameters.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Wait for a step that an earlier, dead runner left running, instead of ending it.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookNotFound, FailureKind.NotFound, $"No runbook file at {path}.", path,
                "Check the path; Get-FrostRunbook <folder> lists runbooks."));
        }

        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
            : GetVariableValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };
        if (!whatIf && !ShouldProcess(path, "Run runbook"))
        {
            return;
        }

        var runbook = RunbookParser.ParseFile(path);
        var stateFolder = StateFolderWithoutDeployment();
        var resume = new ResumePolicy(stateFolder, DeploymentConfigPath, Force);
        var previous = Resume ? Terminating(() => resume.RunToResume(runbook)) : null;
        var parameters = Terminating(() => RunbookParameterBinder.Bind(runbook,
            previous is null ? Parameter : resume.Parameters(runbook, previous, GivenParameters(), Prompt), Prompt));
        var masker = RunbookParameterBinder.MaskerFor(parameters);
        var powerShell = PowerShellStepHost.Open(RunbookLint.ModulePath(this),
            parameters.ToDictionary(p => p.Key, p => p.Value.PowerShellValue!), masker);
        try
        {
            Terminating(() => PreRunLint.EnsureRunnableAsync(runbook, RunbookLint.For(powerShell), Cancellation).GetAwaiter().GetResult());
            var options = new RunOptions
            {
                RunId = RunJournal.NewRunId(DateTimeOffset.UtcNow),
                WhatIf = whatIf,
                Sections = Section,
                Steps = Step,
                Parameters = parameters.ToDictionary(p => p.Key, p => new RunParameterValue(p.Value.PlainValue, p.Value.Secret)),
                Deployment = DeploymentConfigPath,
            };
            if (whatIf)
            {
                Run(runbook, ResumePolicy.Continuing(options, previous), stateFolder, powerShell, parameters, masker);
                return;
            }

            // One run of a runbook against a deployment at a time, and no step of a dead run still running under it.
            using var runLock = Terminating(() => RunLock.Acquire(stateFolder, runbook.Path, DeploymentConfigPath, options.RunId));
            EndOrphans(runbook, stateFolder);
            var continued = previous is null ? null : Terminating(() => resume.StillTheRunToResume(runbook, previous));
            Run(runbook, ResumePolicy.Continuing(options, continued), stateFolder, powerShell, parameters, masker);
        }
        finally
        {
            powerShell.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void Run(FrostRunbook runbook, RunOptions options, string stateFolder, PowerShellStepHost powerShell,
        Dictionary<string, BoundParameter> parameters, SecretMasker masker)
    {
        using var journal = RunJournal.Create(stateFolder, options.RunId);
        WriteVerbose($"Run {options.RunId} of {runbook.Path}; journal {journal.Path}");
        var bash = new BashStepHost(parameters.ToDictionary(p => p.Key, p => p.Value.PlainValue));
        // Ctrl+C stops the run, but a rollback that began runs to its end; a second Ctrl+C stops that too.
        using var abortRollback = new CancellationTokenSource();
        var presses = 0;
        ConsoleCancelEventHandler? secondPress = CanAsk() ? (_, _) =>
        {
            if (Interlocked.Increment(ref presses) >= 2)
            {
                abortRollback.Cancel();
                return;
            }

            // The pipeline is stopping and takes no more output: the console is told directly.
            Console.Error.WriteLine($"Stopping run {options.RunId}: a rollback or finally step that has begun runs to its end. Press Ctrl+C again to stop rollbacks too.");
        } : null;
        if (secondPress is not null)
        {
            Console.CancelKeyPress += secondPress;
        }

        RunOutcome outcome;
        try
        {
            outcome = RunQueued((queue, ct) =>
            {
                var interaction = new CmdletRunInteraction(queue, powerShell, Force, CanAsk(), $"Runbook {runbook.Title}");
                return new RunbookRunner(runbook, options, [powerShell, bash], interaction, journal, masker).RunAsync(ct, abortRollback.Token);
            });
        }
        finally
        {
            if (secondPress is not null)
            {
                Console.CancelKeyPress -= secondPress;
            }
        }

        switch (outcome.Status)
        {
            case RunStatus.Failed:
                var failed = outcome.FailedStep;
                var message = $"Runbook {runbook.Path} failed at step '{failed?.StepId}' (line {runbook.FindStep(failed?.StepId ?? "")?.Line}): {failed?.Error}."
                    + (outcome.RolledBack.Count > 0 ? $" Rolled back: {string.Join(", ", outcome.RolledBack)}." : " Nothing was rolled back.")
                    + $" Run {outcome.RunId}, journal {outcome.JournalPath}.";
                WriteError(FrostErrors.Create(new InvalidOperationException(message), ErrorIds.RunbookFailed, ErrorCategory.InvalidResult, runbook.Path,
                    $"Read the step's output with Get-FrostRunbookRun -Id {outcome.RunId}; fix the cause, then Invoke-FrostRunbook '{runbook.Path}' -Resume."));
                break;
            case RunStatus.Cancelled:
                WriteWarning($"Run {outcome.RunId} of {runbook.Path} was stopped before it finished. Continue it with: Invoke-FrostRunbook '{runbook.Path}' -Resume");
                break;
        }
    }

    /// <summary>Engine work whose failure ends the command: a FrostException becomes a terminating error record.</summary>
    private T Terminating<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            throw; // not reached: ThrowFrostError always throws
        }
    }

    private void Terminating(Action work) => Terminating(() =>
    {
        work();
        return true;
    });

    /// <summary>The -Parameter values as given, unwrapped from PowerShell's objects.</summary>
    private Dictionary<string, object?> GivenParameters() =>
        (Parameter ?? []).Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value is PSObject wrapped ? wrapped.BaseObject : e.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Steps an earlier runner left running when it died: ended before this run starts, or waited
    /// for with -Wait; a rollback or finally step is always waited for, as it would have run to its
    /// end under its runner.
    /// </summary>
    private void EndOrphans(FrostRunbook runbook, string stateFolder)
    {
        foreach (var orphan in OrphanedSteps.Find(stateFolder, RunLock.KeyFor(runbook.Path, DeploymentConfigPath)))
        {
            var what = $"{(orphan.Phase == StepPhase.Main ? "Step" : $"The {orphan.Phase.ToString().ToLowerInvariant()} step")} '{orphan.StepId}' of run {orphan.RunId} (session {orphan.Session.Session}) was still running after its runner ended";
            if (Wait || orphan.Phase != StepPhase.Main)
            {
                WriteWarning($"{what}; waiting for it to end before this run starts (Ctrl+C stops waiting, and this run).");
                Await((_, ct) => orphan.Session.EndedAsync(Timeout.InfiniteTimeSpan, ct));
                WriteWarning($"Step '{orphan.StepId}' of run {orphan.RunId} ended.");
                continue;
            }

            if (Await((_, ct) => OrphanedSteps.EndAsync(orphan, ct)))
            {
                WriteWarning($"{what}; it was ended (SIGTERM to its session) before this run starts, so it never runs twice at once.");
                continue;
            }

            ThrowFrostError(new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.OperationFailed,
                $"{what}, and did not end on SIGTERM or SIGKILL; this run did not start.", orphan.StepId,
                $"Look at it (ps -s {orphan.Session.Session}), end it, then run the runbook again."));
        }
    }

    /// <summary>Asks for a required parameter when someone is there to answer.</summary>
    private object? Prompt(RunbookParameter parameter)
    {
        if (!CanAsk())
        {
            return null;
        }

        try
        {
            Host.UI.Write($"{parameter.Name}{(parameter.Description is { } d ? $" ({d})" : "")}: ");
            if (parameter.Secret)
            {
                var secret = Host.UI.ReadLineAsSecureString();
                return secret is { Length: > 0 } ? secret : (SecureString?)null;
            }

            var value = Host.UI.ReadLine();
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException or NotImplementedException)
        {
            return null;
        }
    }

    /// <summary>Someone can answer a prompt: an interactive console host with a real keyboard.</summary>
    private bool CanAsk() =>
        Host.UI is not null
        && Host.Name == "ConsoleHost"
        && !Console.IsInputRedirected
        && !Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase));
}
