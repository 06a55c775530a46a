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

    /// <summary>Continue the latest unfinished run of this runbook after its last successful step.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Run confirm/destructive steps without asking; resume a runbook that changed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

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
        Dictionary<string, BoundParameter> parameters;
        try
        {
            parameters = RunbookParameterBinder.Bind(runbook, Parameter, Prompt);
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
            };
            if (Resume)
            {
                options = WithResume(options, runbook, stateFolder);
            }

            Run(runbook, options, stateFolder, powerShell, parameters, masker);
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
        CmdletRunInteraction? interaction = null;
        var status = RunQueued((queue, ct) =>
        {
            interaction = new CmdletRunInteraction(queue, powerShell, Force, CanAsk(), $"Runbook {runbook.Title}");
            return new RunbookRunner(runbook, options, [powerShell, bash], interaction, journal, masker).RunAsync(ct);
        });

        var results = interaction?.Results ?? [];
        switch (status)
        {
            case RunStatus.Failed:
                var failed = results.Where(r => r.Status is StepStatus.Failed or StepStatus.TimedOut).ToList();
                var rolledBack = results.Where(r => r.Status == StepStatus.RolledBack).Select(r => r.StepId).ToList();
                var first = failed.FirstOrDefault();
                var message = $"Runbook {runbook.Path} failed at step '{first?.StepId}' (line {runbook.FindStep(first?.StepId ?? "")?.Line}): {first?.Error}."
                    + (rolledBack.Count > 0 ? $" Rolled back: {string.Join(", ", rolledBack)}." : " Nothing was rolled back.")
                    + $" Run {options.RunId}, journal {journal.Path}.";
                WriteError(FrostErrors.Create(new InvalidOperationException(message), ErrorIds.RunbookFailed, ErrorCategory.InvalidResult, runbook.Path,
                    $"Read the step's output with Get-FrostRunbookRun -Id {options.RunId}; fix the cause, then Invoke-FrostRunbook '{runbook.Path}' -Resume."));
                break;
            case RunStatus.Cancelled:
                WriteWarning($"Run {options.RunId} of {runbook.Path} was stopped before it finished. Continue it with: Invoke-FrostRunbook '{runbook.Path}' -Resume");
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

    private RunOptions WithResume(RunOptions options, FrostRunbook runbook, string stateFolder)
    {
        var previous = JournalReader.ReadAll(stateFolder)
            .FirstOrDefault(r => r.Runbook == runbook.Path && !r.WhatIf);
        if (previous is null || previous.Status == RunStatus.Succeeded)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                previous is null ? $"There is no earlier run of {runbook.Path} to resume." : $"The latest run of {runbook.Path} ({previous.RunId}) succeeded; there is nothing to resume.",
                runbook.Path, $"Run it afresh: Invoke-FrostRunbook '{runbook.Path}'."));
        }

        if (previous!.ContentHash != runbook.ContentHash && !Force)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed,
                $"{runbook.Path} changed since run {previous.RunId}; resuming could skip or repeat the wrong steps.", runbook.Path,
                "Run it afresh, or pass -Force to resume anyway."));
        }

        return options with { AlreadySucceeded = JournalReader.Succeeded(previous).ToList(), ResumedFrom = previous.RunId };
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
