using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>Which steps a run executes, in order: the main sequence, then the finally steps.</summary>
public sealed record RunPlan(IReadOnlyList<RunbookStep> Main, IReadOnlyList<RunbookStep> Finally)
{
    public int Count => Main.Count + Finally.Count;

    public static RunPlan For(FrostRunbook runbook, RunOptions options)
    {
        var sections = SectionsWithDescendants(runbook, options.Sections);
        bool InScope(RunbookStep s) => sections is null || (s.SectionId is not null && sections.Contains(s.SectionId));
        var named = options.Steps.Count > 0 ? new HashSet<string>(options.Steps, StringComparer.OrdinalIgnoreCase) : null;

        var main = runbook.Steps
            .Where(s => named is not null
                ? named.Contains(s.Id) && s.Role is not StepRole.Check
                : s.Role == StepRole.Normal && InScope(s))
            .ToList();
        var finallySteps = runbook.Steps.Where(s => s.Role == StepRole.Finally && InScope(s) && !main.Contains(s)).ToList();
        return new RunPlan(main, finallySteps);
    }

    private static HashSet<string>? SectionsWithDescendants(FrostRunbook runbook, IReadOnlyCollection<string> roots)
    {
        if (roots.Count == 0)
        {
            return null;
        }

        var selected = new HashSet<string>(roots, StringComparer.OrdinalIgnoreCase);
        foreach (var section in runbook.Sections)
        {
            if (section.ParentId is not null && selected.Contains(section.ParentId))
            {
                selected.Add(section.Id);
            }
        }

        return selected;
    }
}
