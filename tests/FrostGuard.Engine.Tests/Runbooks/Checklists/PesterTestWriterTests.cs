using FrostGuard.Engine.Runbooks.Checklists;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Engine.Tests.Runbooks.Checklists;

public sealed class PesterTestWriterTests
{
    /// <summary>Each character PowerShell ends a single-quoted string at: the ASCII quote and ‘ ’ ‚ ‛.</summary>
    public static TheoryData<char> SingleQuotes() => new() { '\'', '\u2018', '\u2019', '\u201A', '\u201B' };

    [Theory]
    [MemberData(nameof(SingleQuotes))]
    public void EveryQuotePowerShellEndsAStringAtIsDoubledInTestNames(char quote)
    {
        var runbook = RunbookParser.Parse($"# The server{quote}s checks\n\n## Certificates\n\n- [ ] the server{quote}s certificate is valid\n", "/runbooks/quotes.md");

        var file = PesterTestWriter.Write(runbook, [], modulePath: null);

        Assert.Contains($"Describe 'The server{quote}{quote}s checks' {{", file);
        Assert.Contains($"        It 'the server{quote}{quote}s certificate is valid' {{", file);
    }

    [Theory]
    [MemberData(nameof(SingleQuotes))]
    public void BashCheckCodeWithALineThatWouldEndTheHereStringIsEncoded(char quote)
    {
        var runbook = RunbookParser.Parse($"# C\n\n- [ ] prints\n  ```bash {{.check}}\n  cat <<'EOF'\n  {quote}@ is text here\n  EOF\n  ```\n", "/runbooks/here.md");

        var file = PesterTestWriter.Write(runbook, [], modulePath: null);

        Assert.DoesNotContain("$check = @'", file);
        Assert.Contains("$check = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(", file);
    }

    [Fact]
    public void QuotesThatDoNotEndAStringAreLeftAlone()
    {
        var runbook = RunbookParser.Parse("# C\n\n- [ ] the \u201Cquoted\u201D word and a \u2032 prime\n", "/runbooks/other.md");

        var file = PesterTestWriter.Write(runbook, [], modulePath: null);

        Assert.Contains("It 'the \u201Cquoted\u201D word and a \u2032 prime' {", file);
    }
}
