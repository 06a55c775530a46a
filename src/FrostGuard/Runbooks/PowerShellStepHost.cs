using System.Management.Automation;
using System.Management.Automation.Runspaces;
using FrostGuard.Engine.Runbooks.Execution;

namespace FrostGuard.Runbooks;

/// <summary>
/// Runs the PowerShell steps of one run in one runspace, so variables carry from step to step:
/// FrostGuard imported, the run's parameters as variables, $ErrorActionPreference = 'Stop' and
/// native commands' exit codes honoured. Timeouts and Ctrl+C stop the pipeline.
/// </summary>
internal sealed class PowerShellStepHost : IStepHost
{
    private readonly Runspace _runspace;
    private readonly WhatIfSafety _safety;
    private readonly SecretMasker _masker;

    private PowerShellStepHost(Runspace runspace, SecretMasker masker)
    {
        _runspace = runspace;
        _masker = masker;
        _safety = new WhatIfSafety(ResolveCommand);
    }

    public StepLanguage Language => StepLanguage.PowerShell;

    public static PowerShellStepHost Open(string modulePath, IReadOnlyDictionary<string, object> variables, SecretMasker masker)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule([modulePath]);
        state.Variables.Add(new SessionStateVariableEntry("ErrorActionPreference", ActionPreference.Stop, "Runbook steps stop at the first error."));
        state.Variables.Add(new SessionStateVariableEntry("PSNativeCommandUseErrorActionPreference", true, "A native command's non-zero exit fails the step."));
        state.Variables.Add(new SessionStateVariableEntry("ProgressPreference", ActionPreference.SilentlyContinue, "Steps' progress is FrostGuard's to show."));
        foreach (var (name, value) in variables)
        {
            state.Variables.Add(new SessionStateVariableEntry(name, value, "Runbook parameter"));
        }

        var runspace = RunspaceFactory.CreateRunspace(state);
        // One pipeline thread for the whole run: the default starts a new thread for every
        // invocation, which was most of a step's overhead (about 1.5 ms of 2).
        runspace.ThreadOptions = PSThreadOptions.ReuseThread;
        runspace.Open();
        return new PowerShellStepHost(runspace, masker);
    }

    public bool CanSimulate(RunbookStep step, out string reason) => _safety.IsSafe(step.Code, out reason);

    /// <summary>Evaluates a when= expression with the run's variables.</summary>
    public bool Evaluate(string expression)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript($"[bool]({expression})");
        var result = shell.Invoke();
        return result.Count > 0 && result[0].BaseObject is true;
    }

    /// <summary>How long a pipeline may take to stop before the result says it could not be stopped at once.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    /// <summary>A stopped step; one that took longer than the grace was inside a call PowerShell cannot interrupt, and the result says so.</summary>
    private static StepAttempt Stopped(TimeSpan sinceStopAsked) => new(AttemptOutcome.Stopped, sinceStopAsked > StopGrace
        ? $"it could not be stopped at once: it was inside a .NET call, which ended {sinceStopAsked.TotalSeconds:0.#} s later"
        : null);

    public async Task<StepAttempt> RunAsync(StepInvocation invocation, IStepOutput output, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Stopped(TimeSpan.Zero); // PowerShell ignores a stop asked before the pipeline starts
        }

        using var shell = PowerShell.Create();
        shell.Runspace = _runspace;
        // Every step starts in its working directory, whatever an earlier step did with Set-Location.
        // Only when it moved: PowerShell's SetLocation reads every folder on the path to find its
        // casing, which was most of a step's cost under a folder of many entries (like /tmp).
        var location = _runspace.SessionStateProxy.Path.CurrentFileSystemLocation;
        if (!string.Equals(location.ProviderPath, invocation.WorkingDirectory, StringComparison.Ordinal))
        {
            _runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(invocation.WorkingDirectory));
        }

        if (invocation.Simulate)
        {
            _runspace.SessionStateProxy.SetVariable("WhatIfPreference", true);
        }
        shell.AddScript(invocation.Step.Code).AddCommand("Out-String").AddParameter("Stream");

        var lines = new PSDataCollection<PSObject>();
        lines.DataAdded += (_, e) => output.Line(OutputStream.Output, lines[e.Index]?.ToString() ?? "");
        shell.Streams.Error.DataAdded += (_, e) => output.Line(OutputStream.Error, shell.Streams.Error[e.Index].ToString());
        shell.Streams.Warning.DataAdded += (_, e) => output.Line(OutputStream.Error, "WARNING: " + shell.Streams.Warning[e.Index].Message);
        shell.Streams.Information.DataAdded += (_, e) => output.Line(OutputStream.Output, shell.Streams.Information[e.Index].MessageData?.ToString() ?? "");

        var stopAsked = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var pending = shell.BeginInvoke<PSObject, PSObject>(null, lines);
            // Registered once the pipeline started, for the same reason.
            using (cancellationToken.Register(() =>
            {
                stopAsked.Restart();
                shell.BeginStop(null, null);
            }))
            {
                await Task.Factory.FromAsync(pending, shell.EndInvoke).ConfigureAwait(false);
            }

            return new StepAttempt(AttemptOutcome.Succeeded);
        }
        catch (PipelineStoppedException)
        {
            return Stopped(stopAsked.Elapsed);
        }
        catch (RuntimeException e)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Stopped(stopAsked.Elapsed);
            }

            var record = e.ErrorRecord;
            var where = record?.InvocationInfo is { ScriptLineNumber: > 0 } info
                ? $" (line {invocation.Step.CodeLine + info.ScriptLineNumber - 1} of the runbook)"
                : "";
            var exitCode = _runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int code && code != 0 ? code : (int?)null;
            return new StepAttempt(AttemptOutcome.Failed, _masker.Apply((record?.ToString() ?? e.Message) + where), exitCode);
        }
        finally
        {
            if (invocation.Simulate)
            {
                _runspace.SessionStateProxy.SetVariable("WhatIfPreference", false);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _runspace.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A command as this run's session sees it (FrostGuard included); null when unknown.</summary>
    public CommandInfo? ResolveCommand(string name)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddCommand("Get-Command").AddParameter("Name", name).AddParameter("ErrorAction", ActionPreference.Ignore);
        var found = shell.Invoke();
        var command = found.Count > 0 ? found[0].BaseObject as CommandInfo : null;
        return command is AliasInfo alias ? alias.ResolvedCommand ?? alias.ReferencedCommand : command;
    }
}
