using FrostGuard.Engine.Runbooks;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

public sealed class RunbookParserTests
{
    private static FrostRunbook Parse(string markdown) => RunbookParser.Parse(markdown, "/runbooks/test.md");

    private const string Full = """
        ---
        id: nightly
        title: Nightly backup
        summary: Takes and verifies a backup.
        requires: [pg_dump]
        tags: [backup, nightly]
        parameters:
          - name: Env
            description: Which environment
            default: staging
            allowed: [staging, prod]
          - name: Token
            secret: true
            required: true
        ---
        # Nightly backup

        ## Prepare {#prepare}

        ```pwsh {#check-health name="Check health" .readonly timeout=30s}
        Test-FrostHealth
        ```

        ```bash {#take-backup name="Take a backup" timeout=15m retries=2 retry-delay=10s confirm=true continue-on-error=true when="$Env -eq 'prod'" rollback=restore .destructive}
        echo backup
        ```

        ```bash {#restore .rollback}
        echo restore
        ```

        ```sh {#start-again .finally}
        echo start
        ```

        ```text
        not a step
        ```

        ```bash {.example}
        echo example only
        ```

        ## Verify

        | Metric | Warning | Critical |
        |--------|---------|----------|
        | CPU Usage | > 70% | > 90% |
        | Disk Usage | > 70% | > 85% |

        - [ ] Backup file exists
          ```pwsh {.check}
          Test-Path /backups/latest
          ```
        - [x] Someone looked at the dashboard
        """;

    [Fact]
    public void ReadsFrontMatter()
    {
        var runbook = Parse(Full);

        Assert.Equal("nightly", runbook.Id);
        Assert.Equal("Nightly backup", runbook.Title);
        Assert.Equal("Takes and verifies a backup.", runbook.Summary);
        Assert.Equal(["pg_dump"], runbook.Requires);
        Assert.Equal(["backup", "nightly"], runbook.Tags);
        var env = Assert.Single(runbook.Parameters, p => p.Name == "Env");
        Assert.Equal("staging", env.Default);
        Assert.Equal(["staging", "prod"], env.AllowedValues);
        var token = Assert.Single(runbook.Parameters, p => p.Name == "Token");
        Assert.True(token.Secret);
        Assert.True(token.Required);
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
    }

    [Fact]
    public void ShellAndPowerShellFencesAreStepsWithTheirAttributes()
    {
        var runbook = Parse(Full);

        Assert.Equal(["check-health", "take-backup", "restore", "start-again", "verify-1"], runbook.Steps.Select(s => s.Id));
        var health = runbook.FindStep("check-health")!;
        Assert.Equal(StepLanguage.PowerShell, health.Language);
        Assert.Equal("Check health", health.Name);
        Assert.True(health.IsReadOnly);
        Assert.Equal(TimeSpan.FromSeconds(30), health.Timeout);
        Assert.Equal("prepare", health.SectionId);
        Assert.Equal("Test-FrostHealth", health.Code);

        var backup = runbook.FindStep("take-backup")!;
        Assert.Equal(StepLanguage.Bash, backup.Language);
        Assert.Equal(TimeSpan.FromMinutes(15), backup.Timeout);
        Assert.Equal(2, backup.Retries);
        Assert.Equal(TimeSpan.FromSeconds(10), backup.RetryDelay);
        Assert.True(backup.Confirm);
        Assert.True(backup.ContinueOnError);
        Assert.True(backup.IsDestructive);
        Assert.Equal("$Env -eq 'prod'", backup.When);
        Assert.Equal("restore", backup.Rollback);
        Assert.Equal(StepRole.Rollback, runbook.FindStep("restore")!.Role);
        Assert.Equal(StepRole.Finally, runbook.FindStep("start-again")!.Role);
        Assert.Equal(StepRole.Check, runbook.FindStep("verify-1")!.Role);
    }

    [Fact]
    public void StepsKnowTheirSourceLine()
    {
        var runbook = Parse(Full);

        Assert.Equal(20, runbook.FindStep("check-health")!.Line);
        Assert.Equal(21, runbook.FindStep("check-health")!.CodeLine);
    }

    [Fact]
    public void HeadingsAreSectionsWithExplicitOrSluggedIds()
    {
        var runbook = Parse(Full);

        Assert.Equal(["nightly-backup", "prepare", "verify"], runbook.Sections.Select(s => s.Id));
        Assert.Equal("nightly-backup", runbook.Sections[1].ParentId);
        Assert.Equal(["check-health", "take-backup", "restore", "start-again"], runbook.Sections[1].StepIds);
    }

    [Fact]
    public void TablesAreKeptAsDataOnTheirSection()
    {
        var runbook = Parse(Full);

        var table = Assert.Single(runbook.Tables);
        Assert.Equal("verify", table.SectionId);
        Assert.Equal(["Metric", "Warning", "Critical"], table.Header);
        Assert.Equal(["CPU Usage", "> 70%", "> 90%"], table.Rows[0]);
        Assert.Equal(2, table.Rows.Count);
        Assert.Same(table, runbook.Sections.Single(s => s.Id == "verify").Tables.Single());
        Assert.Equal(table.Line + 2, table.RowLines[0]);
    }

    [Fact]
    public void TaskListItemsAreChecklistItemsAutomatedWhenTheyHoldACheck()
    {
        var runbook = Parse(Full);

        Assert.Equal(2, runbook.Checklist.Count);
        Assert.Equal("Backup file exists", runbook.Checklist[0].Text);
        Assert.True(runbook.Checklist[0].IsAutomated);
        Assert.Equal("verify-1", runbook.Checklist[0].Check!.Id);
        Assert.False(runbook.Checklist[1].IsAutomated);
        Assert.True(runbook.Checklist[1].Checked);
    }

    [Theory]
    [InlineData("```bash {#xy .zz}\necho\n```", RuleIds.UnknownAttribute)]
    [InlineData("```bash {#xy frobnicate=1}\necho\n```", RuleIds.UnknownAttribute)]
    [InlineData("```bash {#a}\necho\n```", RuleIds.IgnoredAttributeBlock)]
    [InlineData("```bash {#ab .c}\necho\n```", RuleIds.IgnoredAttributeBlock)]
    [InlineData("```bash {#ab name=\"x\"} trailing words\necho\n```", RuleIds.TextAfterAttributes)]
    [InlineData("```bash {#ab timeout=soon}\necho\n```", RuleIds.InvalidAttributeValue)]
    [InlineData("```bash {#ab retries=many}\necho\n```", RuleIds.InvalidAttributeValue)]
    [InlineData("```bash {#ab confirm=yes}\necho\n```", RuleIds.InvalidAttributeValue)]
    [InlineData("```bash {#ab rollback=nowhere}\necho\n```", RuleIds.RollbackTargetMissing)]
    [InlineData("```bash {#ab}\necho\n```\n```bash {#ab}\necho\n```", RuleIds.DuplicateStepId)]
    [InlineData("```bash\necho never closed\n", RuleIds.UnclosedFence)]
    [InlineData("---\nparameters: nope\n---\n# T\n", RuleIds.InvalidFrontMatter)]
    [InlineData("---\nparameters:\n  - name: bad-name\n---\n", RuleIds.InvalidFrontMatter)]
    [InlineData("---\ntitle: [unclosed\n---\n", RuleIds.InvalidFrontMatter)]
    public void MalformedInputIsAnErrorWithLineAndColumn(string markdown, string ruleId)
    {
        var runbook = Parse(markdown.StartsWith("---") ? markdown : "# T\n\n" + markdown);

        var finding = Assert.Single(runbook.Findings, f => f.RuleId == ruleId);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.True(finding.Line >= 1);
        Assert.True(finding.Column >= 1);
        Assert.StartsWith("/runbooks/test.md:", finding.Location);
        Assert.True(runbook.HasErrors);
    }

    [Fact]
    public void OneLetterIdIsReportedAtTheBrace()
    {
        var runbook = Parse("# T\n\n```bash {#a}\necho\n```\n");

        var finding = Assert.Single(runbook.Findings);
        Assert.Equal(3, finding.Line);
        Assert.Equal(9, finding.Column);
        Assert.Contains("one", finding.Message + " one"); // message explains single-letter ids
        Assert.Contains("single letter", finding.Message);
    }

    [Fact]
    public void RunmeBraceAndJsonFormsAreRead()
    {
        var runbook = Parse("""
            # Runme

            ```sh {"name":"hello-json","interactive":"false","cwd":"/tmp"}
            echo hi
            ```

            ```bash { name=hello-brace excludeFromRunAll=true background=false }
            echo brace
            ```
            """);

        Assert.Equal(["hello-json", "hello-brace"], runbook.Steps.Select(s => s.Id));
        Assert.Equal("/tmp", runbook.Steps[0].WorkingDirectory);
        Assert.Equal("false", runbook.Steps[0].Attributes["interactive"]);
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
        Assert.Contains(runbook.Findings, f => f.RuleId == RuleIds.RunmeAttributeNotActedOn && f.Message.Contains("interactive"));
        Assert.Contains(runbook.Findings, f => f.RuleId == RuleIds.RunmeAttributeNotActedOn && f.Message.Contains("excludeFromRunAll"));
        Assert.All(runbook.Findings, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
    }

    [Fact]
    public void AnEmptyFileHasNothing()
    {
        var runbook = Parse("");

        Assert.Empty(runbook.Sections);
        Assert.Empty(runbook.Steps);
        Assert.Empty(runbook.Findings);
    }

    [Fact]
    public void HeadingsAloneAreSectionsWithoutSteps()
    {
        var runbook = Parse("# Only\n## Headings\n### Here\n");

        Assert.Equal(["only", "headings", "here"], runbook.Sections.Select(s => s.Id));
        Assert.Empty(runbook.Steps);
        Assert.Empty(runbook.Findings);
    }

    [Fact]
    public void AFilesByteOrderMarkIsNotPartOfItsFirstHeading()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "bom.md");
        File.WriteAllBytes(path, [.. System.Text.Encoding.UTF8.Preamble, .. System.Text.Encoding.UTF8.GetBytes("# BOM\n\n```bash\necho bom\n```\n")]);

        var runbook = RunbookParser.ParseFile(path);

        Assert.Equal(["bom"], runbook.Sections.Select(s => s.Id));
        var step = Assert.Single(runbook.Steps);
        Assert.Equal("bom-1", step.Id);
        Assert.Equal("echo bom", step.Code);
        Assert.Empty(runbook.Findings);
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("    ")]
    public void AStepFenceIndentedByATabOrFourSpacesIsNoStepAndIsReportedWhereItIs(string indent)
    {
        var runbook = Parse($"# Tabs\n\n{indent}```bash {{#never-runs}}\n{indent}echo indented\n{indent}```\n");

        // CommonMark: an indented code block, fence lines and all.
        Assert.Empty(runbook.Steps);
        var finding = Assert.Single(runbook.Findings);
        Assert.Equal(RuleIds.StepFenceIndented, finding.RuleId);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal($"/runbooks/test.md:3:{indent.Length + 1}", finding.Location);
        Assert.Contains("bash fence is indented", finding.Message);
        Assert.False(runbook.HasErrors);
    }

    [Fact]
    public void IndentedCodeThatShowsAFenceOfAnotherLanguageIsNotReported()
    {
        var runbook = Parse("# Text\n\n    ```text\n    shown, not run\n    ```\n\n    plain indented code\n");

        Assert.Empty(runbook.Steps);
        Assert.Empty(runbook.Findings);
    }

    [Fact]
    public void AFenceIndentedByATabUnderAListItemIsAStepOfThatItem()
    {
        var runbook = Parse("# Tabs\n\n- [ ] An item\n\t```bash {.check}\n\ttest -d /\n\t```\n");

        var check = Assert.Single(runbook.Steps);
        Assert.Equal("test -d /", check.Code);
        Assert.Equal(StepRole.Check, check.Role);
        Assert.Same(check, Assert.Single(runbook.Checklist).Check);
        Assert.Empty(runbook.Findings);
    }

    [Fact]
    public void CrlfStepsHaveNoCarriageReturns()
    {
        var runbook = Parse("# CRLF\r\n\r\n```bash {#crlf name=\"Say it\"}\r\necho crlf\r\n```\r\n");

        var step = Assert.Single(runbook.Steps);
        Assert.Empty(runbook.Findings);
        Assert.Equal("crlf", step.Id);
        Assert.Equal("Say it", step.Name);
        Assert.Equal("echo crlf", step.Code);
    }

    [Fact]
    public void ParsesAFiveMegabyteRunbook()
    {
        var chunk = "## Part\n\nSome prose about the step.\n\n```bash\necho part\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n";
        var markdown = "# Big\n\n" + string.Concat(Enumerable.Repeat(chunk, 5 * 1024 * 1024 / chunk.Length + 1));

        var runbook = Parse(markdown);

        Assert.True(markdown.Length >= 5 * 1024 * 1024);
        Assert.Equal(runbook.Sections.Count - 1, runbook.Steps.Count);
        Assert.Equal(runbook.Steps.Count, runbook.Steps.Select(s => s.Id).Distinct().Count());
        Assert.False(runbook.HasErrors);
    }

    [Fact]
    public void DurationsAcceptTheUsualForms()
    {
        Assert.True(Durations.TryParse("1h30m", out var d) && d == TimeSpan.FromMinutes(90));
        Assert.True(Durations.TryParse("500ms", out d) && d == TimeSpan.FromMilliseconds(500));
        Assert.True(Durations.TryParse("45", out d) && d == TimeSpan.FromSeconds(45));
        Assert.False(Durations.TryParse("15 minutes", out _));
        Assert.False(Durations.TryParse("m15", out _));
    }
}
