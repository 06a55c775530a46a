using FrostGuard.HelpTool;

namespace FrostGuard.Engine.Tests.Help;

public sealed class HelpPageParserTests
{
    internal const string GoodPage = """
        # Get-Thing

        ## Synopsis
        Gets things.

        ## Description
        Reads the `things` and writes
        one object each. See [the docs](https://example.org/things).

        - first point
        - second point

        ## Parameters
        ### -Name
        Thing names. Default: `all`.

        ### -ConfigPath
        The configuration file.

        ## Examples
        ### Example 1: Every thing
        ```powershell
        Get-Thing
        ```
        Lists them.

        ### Example 2: Follow
        ```powershell {.noexec}
        Get-Thing -Follow
        ```
        Never ends.

        ## Outputs
        ### FrostGuard.Thing
        One thing.

        ## Related links
        - [Set-Thing](Set-Thing.md)
        - [Web](https://example.org)
        """;

    private static (HelpPage? Page, List<HelpProblem> Problems) Parse(string markdown, string path = "docs/cmdlets/Get-Thing.md")
    {
        var problems = new List<HelpProblem>();
        return (HelpPageParser.Parse(markdown, path, problems), problems);
    }

    [Fact]
    public void A_page_in_the_format_gives_every_part_as_plain_paragraphs()
    {
        var (page, problems) = Parse(GoodPage);

        Assert.Empty(problems);
        Assert.NotNull(page);
        Assert.Equal("Get-Thing", page.Name);
        Assert.Equal(["Gets things."], page.Synopsis.Paragraphs);
        Assert.Equal(["Reads the `things` and writes one object each. See the docs (https://example.org/things).", "- first point", "- second point"], page.Description.Paragraphs);
        Assert.Equal(["Name", "ConfigPath"], page.Parameters.Select(p => p.Name));
        Assert.Equal("all", page.Parameters[0].DefaultValue);
        Assert.Null(page.Parameters[1].DefaultValue);
        Assert.Equal(2, page.Examples.Count);
        Assert.Equal("Every thing", page.Examples[0].Title);
        Assert.Equal("Get-Thing", page.Examples[0].Code);
        Assert.False(page.Examples[0].NoExec);
        Assert.True(page.Examples[1].NoExec);
        Assert.Equal(["Never ends."], page.Examples[1].Remarks.Paragraphs);
        Assert.Equal("FrostGuard.Thing", Assert.Single(page.Outputs).TypeName);
        Assert.Equal([("Set-Thing", "Set-Thing.md"), ("Web", "https://example.org")], page.RelatedLinks.Select(l => (l.Text, l.Uri)));
    }

    [Theory]
    [InlineData("# Get-Other", 1, "must be the file's name")]
    [InlineData("## Synopsis\nGets things.\n\n## Description\nReads.", 1, "'## Parameters' section is missing")]
    [InlineData("## Inputs", 3, "unknown section '## Inputs'")]
    [InlineData("### Example 1: Every thing", 17, "'### Example 1: Every thing' is not a parameter heading")]
    [InlineData("```powershell\nGet-Thing -Follow\n```", 27, "exactly one ```powershell fence (it has 2)")]
    [InlineData("```powershell {.slow}", 28, "the only attribute allowed is {.noexec}")]
    [InlineData("```bash", 28, "must be ```powershell (it is ```bash)")]
    [InlineData("### Example 3: Follow", 27, "example 3 should be numbered 2")]
    [InlineData("Never ends.", 0, "")]
    public void A_page_that_breaks_the_format_is_a_problem_naming_its_line(string replaceWith, int line, string message)
    {
        var markdown = replaceWith switch
        {
            "# Get-Other" => GoodPage.Replace("# Get-Thing", replaceWith, StringComparison.Ordinal),
            "## Inputs" => GoodPage.Replace("## Synopsis", "## Inputs\nNone.\n\n## Synopsis", StringComparison.Ordinal),
            "### Example 1: Every thing" => GoodPage.Replace("### -ConfigPath", replaceWith, StringComparison.Ordinal),
            "```powershell\nGet-Thing -Follow\n```" => GoodPage.Replace("Never ends.", "Never ends.\n\n" + replaceWith, StringComparison.Ordinal),
            "```powershell {.slow}" => GoodPage.Replace("```powershell {.noexec}", replaceWith, StringComparison.Ordinal),
            "```bash" => GoodPage.Replace("```powershell {.noexec}", replaceWith, StringComparison.Ordinal),
            "### Example 3: Follow" => GoodPage.Replace("### Example 2: Follow", replaceWith, StringComparison.Ordinal),
            "## Synopsis\nGets things.\n\n## Description\nReads." => GoodPage[..GoodPage.IndexOf("## Parameters", StringComparison.Ordinal)],
            _ => GoodPage,
        };

        var (page, problems) = Parse(markdown);

        if (message.Length == 0)
        {
            Assert.Empty(problems);
            return;
        }

        Assert.Null(page);
        var problem = Assert.Single(problems, p => p.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal("docs/cmdlets/Get-Thing.md", problem.File);
        Assert.Equal(line, problem.Line);
        Assert.StartsWith($"docs/cmdlets/Get-Thing.md:{line}: error: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_page_with_one_example_is_a_problem()
    {
        var markdown = GoodPage[..GoodPage.IndexOf("### Example 2", StringComparison.Ordinal)] + GoodPage[GoodPage.IndexOf("## Outputs", StringComparison.Ordinal)..];

        var (_, problems) = Parse(markdown);

        Assert.Contains(problems, p => p.Message == "at least two examples are needed (found 1)" && p.Line == 20);
    }

    [Fact]
    public void A_parameter_without_words_and_an_example_without_a_paragraph_are_problems()
    {
        var markdown = GoodPage.Replace("The configuration file.\n", "", StringComparison.Ordinal).Replace("Lists them.\n", "", StringComparison.Ordinal);

        var (_, problems) = Parse(markdown);

        Assert.Contains(problems, p => p.Message == "-ConfigPath has no description");
        Assert.Contains(problems, p => p.Message == "Example 1 needs a paragraph saying what it does");
    }

    [Fact]
    public void One_broken_example_is_one_problem_not_a_cascade_of_numbering_problems()
    {
        var markdown = GoodPage.Replace("```powershell\nGet-Thing\n```", "```bash\nls\n```", StringComparison.Ordinal);

        var (_, problems) = Parse(markdown);

        var problem = Assert.Single(problems);
        Assert.Equal((22, "Example 1's fence must be ```powershell (it is ```bash)"), (problem.Line, problem.Message));
    }
}
