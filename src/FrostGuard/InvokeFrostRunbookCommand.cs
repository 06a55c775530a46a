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
        var previous = Resume ? RunToResume(runbook, stateFolder) : null;
        Dictionary<string, BoundParameter> parameters;
        try
        {
            parameters = RunbookParameterBinder.Bind(runbook, previous is null ? Parameter : ResumeParameters(runbook, previous), Prompt);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var masker = RunbookParameterBinder.MaskerFor(parameters);
        var powerShell = PowerShellStepHost.Open(RunbookLint.ModulePath(this),
            parameters.ToDictionary(p => p.Key, p => p.Value.PowerShellValue!), masker);
        try
        {
            RejectInvalid(runbook, powerShell);
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
                Run(runbook, Resuming(options, previous), stateFolder, powerShell, parameters, masker);
                return;
            }

            // One run of a runbook against a deployment at a time, and no step of a dead run still running under it.
            RunLock runLock;
            try
            {
                runLock = RunLock.Acquire(stateFolder, runbook.Path, DeploymentConfigPath, options.RunId);
            }
            catch (FrostException e)
            {
                ThrowFrostError(e);
                return;
            }

            using (runLock)
            {
                EndOrphans(runbook, stateFolder);
                Run(runbook, Resuming(options, previous is null ? null : StillTheRunToResume(runbook, stateFolder, previous)), stateFolder, powerShell, parameters, masker);
            }
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

    private void RejectInvalid(FrostRunbook runbook, PowerShellStepHost powerShell)
    {
        var errors = RunbookLint.All(runbook, powerShell, Cancellation, this).Where(f => f.Severity == FindingSeverity.Error).ToList();
        if (errors.Count == 0)
        {
            return;
        }

        var listed = string.Join(Environment.NewLine, errors.Take(5).Select(e => "  " + e));
        ThrowFrostError(new FrostException(ErrorIds.RunbookInvalid, FailureKind.InvalidData,
            $"Runbook {runbook.Path} has {errors.Count} error(s) and does not run:{Environment.NewLine}{listed}", runbook.Path,
            $"Fix them; Test-FrostRunbook '{runbook.Path}' lists every finding."));
    }

    /// <summary>A run that continues <paramref name="previous"/>: the steps whose effect its journal shows in place are skipped.</summary>
    private static RunOptions Resuming(RunOptions options, FrostRunbookRun? previous) => previous is null ? options
        : options with { EffectsInPlace = JournalReader.EffectsInPlace(JournalReader.Entries(previous.JournalPath)).ToList(), ResumedFrom = previous.RunId };

    /// <summary>
    /// Read again once the run lock is held: the run chosen before (parameters, prompts and lint
    /// take time) must still be the latest, or another resume ran meanwhile and its journal, not
    /// the one read, tells what is in place.
    /// </summary>
    private FrostRunbookRun StillTheRunToResume(FrostRunbook runbook, string stateFolder, FrostRunbookRun chosen)
    {
        var latest = RunToResume(runbook, stateFolder);
        if (latest.RunId != chosen.RunId)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                $"Run {latest.RunId} of {runbook.Path} ran while this resume of run {chosen.RunId} was being prepared; what is in place now is what {latest.RunId} left.",
                runbook.Path, $"Look at it (Get-FrostRunbookRun -Id {latest.RunId}), then resume again: Invoke-FrostRunbook '{runbook.Path}' -Resume."));
        }

        return latest;
    }

    /// <summary>
    /// The latest real run of this runbook against this deployment, if it did not succeed (or ran
    /// only some steps) and the runbook did not change since (unless -Force).
    /// </summary>
    private FrostRunbookRun RunToResume(FrostRunbook runbook, string stateFolder)
    {
        var key = RunLock.KeyFor(runbook.Path, DeploymentConfigPath);
        var previous = JournalReader.ReadAll(stateFolder)
            .FirstOrDefault(r => !r.WhatIf && RunLock.KeyFor(r.Runbook, r.Deployment) == key);
        if (previous is null || previous.Status == RunStatus.Succeeded && !previous.Limited)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                previous is null ? $"There is no earlier run of {runbook.Path}{(DeploymentConfigPath is { } config ? $" against {config}" : " without a deployment")} to resume." : $"The latest run of {runbook.Path} ({previous.RunId}) succeeded; there is nothing to resume.",
                runbook.Path, $"Run it afresh: Invoke-FrostRunbook '{runbook.Path}'."));
        }

        if (previous!.ContentHash != runbook.ContentHash && !Force)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                $"{runbook.Path} changed since run {previous.RunId}; resuming could skip or repeat the wrong steps.", runbook.Path,
                "Run it afresh, or pass -Force to resume anyway."));
        }

        return previous;
    }

    /// <summary>
    /// A resume runs with the parameters of the run it continues: a value not given is taken from
    /// it, a different one is refused unless -Force, and a secret (never kept) is asked for again.
    /// </summary>
    private Hashtable ResumeParameters(FrostRunbook runbook, FrostRunbookRun previous)
    {
        var given = (Parameter ?? []).Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value, StringComparer.OrdinalIgnoreCase);
        var merged = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in runbook.Parameters)
        {
            var before = previous.Parameters.TryGetValue(parameter.Name, out var value) ? value : null;
            if (given.TryGetValue(parameter.Name, out var now))
            {
                var text = now is PSObject wrapped ? wrapped.BaseObject : now;
                if (!parameter.Secret && before is not null && !string.Equals(Convert.ToString(text, System.Globalization.CultureInfo.InvariantCulture), before, StringComparison.Ordinal) && !Force)
                {
                    ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                        $"Parameter '{parameter.Name}' was '{before}' in run {previous.RunId} and is '{text}' now; a resume continues that run as it was.", parameter.Name,
                        $"Leave -Parameter {parameter.Name} out to keep '{before}', run the runbook afresh, or pass -Force to resume with the new value."));
                }

                merged[parameter.Name] = now;
            }
            else if (parameter.Secret && !string.IsNullOrEmpty(before))
            {
                merged[parameter.Name] = Prompt(parameter) ?? throw new FrostException(ErrorIds.RunbookParameterMissing, FailureKind.InvalidData,
                    $"Resuming run {previous.RunId} of {runbook.Path} needs the secret '{parameter.Name}' again (secrets are never kept), and there is no one to ask.",
                    parameter.Name, $"Pass it: -Parameter @{{ {parameter.Name} = <SecureString> }}.");
            }
            else if (!parameter.Secret && before is not null)
            {
                merged[parameter.Name] = before;
            }
        }

        // A name the runbook does not declare is refused as in a fresh run.
        foreach (var (name, value) in given.Where(g => !runbook.Parameters.Any(p => p.Name.Equals(g.Key, StringComparison.OrdinalIgnoreCase))))
        {
            merged[name] = value;
        }

        return merged;
    }

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
