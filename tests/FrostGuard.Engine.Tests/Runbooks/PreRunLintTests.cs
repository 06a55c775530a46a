using FrostGuard.Engine.Runbooks;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The pre-run lint policy, out of the cmdlet: what stops a runbook from running, and what the refusal says.</summary>
public sealed class PreRunLintTests
{
    private sealed class FixedLinter(params RunbookFinding[] findings) : IStepLinter
    {
        public IReadOnlyList<RunbookFinding> Lint(FrostRunbook runbook) => findings;
    }

    private static RunbookFinding Finding(FindingSeverity severity, int line, string message) => new()
    {
        Severity = severity, Path = "/runbooks/r.md", Line = line, Column = 1, RuleId = RuleIds.PowerShellSyntax, Message = message,
    };

    private static FrostRunbook Parse(string markdown) => RunbookParser.Parse(markdown, "/runbooks/r.md");

    private static Task Check(FrostRunbook runbook, IStepLinter? linter = null, Func<string, bool>? commandExists = null) =>
        PreRunLint.EnsureRunnableAsync(runbook, new RunbookLinter(linter is null ? [] : [linter], commandExists ?? (_ => true)), CancellationToken.None);

    [Fact]
    public async Task WarningsDoNotStopARun()
    {
        await Check(Parse("# W\n```bash {#empty}\n```\n"), new FixedLinter(Finding(FindingSeverity.Warning, 2, "only a warning")));
    }

    [Fact]
    public async Task AnErrorFromAStepLinterStopsTheRunAndIsNamed()
    {
        var refused = await Assert.ThrowsAsync<FrostException>(() =>
            Check(Parse("# E\n```pwsh {#bad}\nx\n```\n"), new FixedLinter(Finding(FindingSeverity.Error, 3, "Missing closing '}'"))));

        Assert.Equal(ErrorIds.RunbookInvalid, refused.ErrorId);
        Assert.Equal("/runbooks/r.md", refused.Target);
        Assert.Contains("has 1 error(s) and does not run", refused.Message);
        Assert.Contains("/runbooks/r.md:3:1: error FG2001: Missing closing '}'", refused.Message);
        Assert.Contains("Test-FrostRunbook '/runbooks/r.md'", refused.RecommendedAction);
    }

    [Fact]
    public async Task AParserErrorABashSyntaxErrorAndAMissingRequiredCommandEachStopTheRun()
    {
        Assert.Contains(RuleIds.InvalidAttributeValue,
            (await Assert.ThrowsAsync<FrostException>(() => Check(Parse("# P\n```bash {#late timeout=soon}\ntrue\n```\n")))).Message);
        Assert.Contains(RuleIds.BashSyntax,
            (await Assert.ThrowsAsync<FrostException>(() => Check(Parse("# B\n```bash {#broken}\nif then fi (\n```\n")))).Message);
        Assert.Contains("requires 'pg_dump'",
            (await Assert.ThrowsAsync<FrostException>(() => Check(Parse("---\nrequires: [pg_dump]\n---\n# R\n"), commandExists: name => name != "pg_dump"))).Message);
    }

    [Fact]
    public async Task TheRefusalCountsEveryErrorAndListsTheFirstFiveInTheRunbooksOrder()
    {
        var errors = Enumerable.Range(1, 7).Reverse().Select(line => Finding(FindingSeverity.Error, line * 10, $"problem {line}")).ToArray();

        var refused = await Assert.ThrowsAsync<FrostException>(() => Check(Parse("# Many\n"), new FixedLinter(errors)));

        Assert.Contains("has 7 error(s)", refused.Message);
        Assert.Equal(["problem 1", "problem 2", "problem 3", "problem 4", "problem 5"],
            refused.Message.Split(Environment.NewLine).Skip(1).Select(l => l[(l.LastIndexOf(": ", StringComparison.Ordinal) + 2)..]));
    }
}
