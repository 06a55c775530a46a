using System.Globalization;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// What a resume (Invoke-FrostRunbook -Resume) continues, and how: the latest real run of the
/// runbook against the same deployment, if it did not succeed (or ran only some steps) and the
/// runbook did not change since; the steps its journal shows in place are skipped; it runs with
/// that run's parameters. <paramref name="force"/> resumes a changed runbook, or with other values.
/// </summary>
/// <param name="deployment">The deployment's configuration file the resume runs against, null for none.</param>
public sealed class ResumePolicy(string stateFolder, string? deployment, bool force)
{
    /// <summary>The run to continue; refused (RunbookResumeRefused) when there is none, it succeeded, or the runbook changed since.</summary>
    public FrostRunbookRun RunToResume(FrostRunbook runbook)
    {
        var key = RunLock.KeyFor(runbook.Path, deployment);
        var previous = JournalReader.ReadAll(stateFolder)
            .FirstOrDefault(r => !r.WhatIf && RunLock.KeyFor(r.Runbook, r.Deployment) == key);
        if (previous is null)
        {
            throw Refused($"There is no earlier run of {runbook.Path}{(deployment is { } config ? $" against {config}" : " without a deployment")} to resume.",
                runbook.Path, $"Run it afresh: Invoke-FrostRunbook '{runbook.Path}'.");
        }

        if (previous.Status == RunStatus.Succeeded && !previous.Limited)
        {
            throw Refused($"The latest run of {runbook.Path} ({previous.RunId}) succeeded; there is nothing to resume.",
                runbook.Path, $"Run it afresh: Invoke-FrostRunbook '{runbook.Path}'.");
        }

        if (previous.ContentHash != runbook.ContentHash && !force)
        {
            throw Refused($"{runbook.Path} changed since run {previous.RunId}; resuming could skip or repeat the wrong steps.",
                runbook.Path, "Run it afresh, or pass -Force to resume anyway.");
        }

        return previous;
    }

    /// <summary>
    /// Read again once the run lock is held: the run chosen before (parameters, prompts and lint
    /// take time) must still be the latest, or another resume ran meanwhile and its journal, not
    /// the one read, tells what is in place.
    /// </summary>
    public FrostRunbookRun StillTheRunToResume(FrostRunbook runbook, FrostRunbookRun chosen)
    {
        var latest = RunToResume(runbook);
        if (latest.RunId != chosen.RunId)
        {
            throw Refused($"Run {latest.RunId} of {runbook.Path} ran while this resume of run {chosen.RunId} was being prepared; what is in place now is what {latest.RunId} left.",
                runbook.Path, $"Look at it (Get-FrostRunbookRun -Id {latest.RunId}), then resume again: Invoke-FrostRunbook '{runbook.Path}' -Resume.");
        }

        return latest;
    }

    /// <summary>A run that continues <paramref name="previous"/> (none: a fresh run): the steps whose effect its journal shows in place are skipped.</summary>
    public static RunOptions Continuing(RunOptions options, FrostRunbookRun? previous) => previous is null ? options
        : options with { EffectsInPlace = JournalReader.EffectsInPlace(JournalReader.Entries(previous.JournalPath)).ToList(), ResumedFrom = previous.RunId };

    /// <summary>
    /// The parameter values a resume runs with: a value not given is taken from the run it
    /// continues, a different one is refused unless forced, and a secret (never kept) is asked for
    /// again. Names the runbook does not declare are passed on, for binding to refuse as in a fresh run.
    /// </summary>
    /// <param name="given">The values given now (unwrapped from PowerShell's objects).</param>
    /// <param name="prompt">Asks for a secret; returns null when no one can answer.</param>
    public Dictionary<string, object?> Parameters(FrostRunbook runbook, FrostRunbookRun previous, IReadOnlyDictionary<string, object?> given,
        Func<RunbookParameter, object?> prompt)
    {
        var now = new Dictionary<string, object?>(given, StringComparer.OrdinalIgnoreCase);
        var merged = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in runbook.Parameters)
        {
            var before = previous.Parameters.TryGetValue(parameter.Name, out var value) ? value : null;
            if (now.TryGetValue(parameter.Name, out var current))
            {
                if (!parameter.Secret && before is not null && !force
                    && !string.Equals(Convert.ToString(current, CultureInfo.InvariantCulture), before, StringComparison.Ordinal))
                {
                    throw Refused($"Parameter '{parameter.Name}' was '{before}' in run {previous.RunId} and is '{current}' now; a resume continues that run as it was.",
                        parameter.Name, $"Leave -Parameter {parameter.Name} out to keep '{before}', run the runbook afresh, or pass -Force to resume with the new value.");
                }

                merged[parameter.Name] = current;
            }
            else if (parameter.Secret && !string.IsNullOrEmpty(before))
            {
                merged[parameter.Name] = prompt(parameter) ?? throw new FrostException(ErrorIds.RunbookParameterMissing, FailureKind.InvalidData,
                    $"Resuming run {previous.RunId} of {runbook.Path} needs the secret '{parameter.Name}' again (secrets are never kept), and there is no one to ask.",
                    parameter.Name, $"Pass it: -Parameter @{{ {parameter.Name} = <SecureString> }}.");
            }
            else if (!parameter.Secret && before is not null)
            {
                merged[parameter.Name] = before;
            }
        }

        foreach (var (name, value) in now.Where(g => !runbook.Parameters.Any(p => p.Name.Equals(g.Key, StringComparison.OrdinalIgnoreCase))))
        {
            merged[name] = value;
        }

        return merged;
    }

    private static FrostException Refused(string message, object target, string action) =>
        new(ErrorIds.RunbookResumeRefused, FailureKind.OperationFailed, message, target, action);
}
