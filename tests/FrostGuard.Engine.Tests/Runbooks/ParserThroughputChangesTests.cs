using System.Text.Json;
using FrostGuard.Engine.Runbooks.Parsing;
using Markdig;
using Markdig.Syntax;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>
/// What the parser does for speed changes nothing it returns: inline parsing skipped where the
/// model does not read it, its own walk of the tree, slugs without intermediate strings.
/// </summary>
public sealed class ParserThroughputChangesTests
{
    /// <summary>Every Markdown file a runbook parser meets here: the corpus, the manual, the fixtures, the docs.</summary>
    public static IEnumerable<object[]> MarkdownFiles() => MarkdownPaths().Select(f => new object[] { f });

    private static IEnumerable<string> MarkdownPaths()
    {
        var folders = new[] { "runbooks", Path.Combine("tests", "fixtures"), "docs" }.Select(f => RepositoryPaths.Combine(f));
        return CorpusTests.MarkdownFiles()
            .Concat(folders.SelectMany(f => Directory.EnumerateFiles(f, "*.md", SearchOption.AllDirectories)))
            .Order(StringComparer.Ordinal);
    }

    [Fact]
    public void TheComparisonCoversTheCorpusAndTheRepositorysOwnMarkdown()
    {
        var paths = MarkdownPaths().ToList();

        Assert.Equal(CorpusTests.FilesInTheCorpus, paths.Count(p => p.StartsWith(RepositoryPaths.Corpus + "/", StringComparison.Ordinal)));
        Assert.Contains(RepositoryPaths.Combine("runbooks", "daily-operations.md"), paths);
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void SkippingUnreadInlinesBuildsTheSameModel(string path)
    {
        var markdown = File.ReadAllText(path);

        foreach (var variant in new[] { markdown, markdown.ReplaceLineEndings("\r\n"), markdown.ReplaceLineEndings("\r") })
        {
            Assert.Equal(Json(RunbookParser.ParseWithEveryInline(variant, path)), Json(RunbookParser.Parse(variant, path)));
        }
    }

    [Fact]
    public void SkippingUnreadInlinesKeepsTablesTaskItemsAndHeadingAttributes()
    {
        const string markdown = """
            # Title with *emphasis* {#top}

            Prose with a [link](https://example.com) and `code`.

            - [ ] Manual check with **bold**
            - [x] Automated check
              ```bash {.check}
              true
              ```
            - plain item with a | pipe

            Intro line

            | a | b |
            |---|---|
            | `x` | *y* |

            > - [ ] quoted task
            """;

        var fast = RunbookParser.Parse(markdown, "/t.md");

        Assert.Equal(Json(RunbookParser.ParseWithEveryInline(markdown, "/t.md")), Json(fast));
        Assert.Equal("top", fast.Sections[0].Id);
        Assert.Equal("Title with emphasis", fast.Sections[0].Title);
        Assert.Equal(3, fast.Checklist.Count);
        Assert.NotNull(fast.Checklist[1].Check);
        Assert.Equal(new[] { "x", "y" }, Assert.Single(fast.Tables).Rows[0]);
    }

    [Fact]
    public void TheModelPipelineParsesInlinesOnlyWhereTheModelReadsThem()
    {
        var document = Markdown.Parse("# Heading *x*\n\nProse *x*.\n\n- item *x*\n\n| a |\n|---|\n| 1 |\n", RunbookParser.ModelMarkdownPipeline);

        var paragraphs = document.Descendants<ParagraphBlock>().ToList();
        Assert.Null(paragraphs[0].Inline);
        Assert.NotNull(paragraphs[1].Inline);
        Assert.NotNull(document.Descendants<HeadingBlock>().Single().Inline);
        Assert.Single(document.Descendants<Markdig.Extensions.Tables.Table>());
        Assert.NotNull(Markdown.Parse("Prose *x*.\n", RunbookParser.MarkdownPipeline).Descendants<ParagraphBlock>().Single().Inline);
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void TheWalkVisitsBlocksAsMarkdigsDescendantsDo(string path)
    {
        var document = Markdown.Parse(File.ReadAllText(path), RunbookParser.MarkdownPipeline);

        Assert.Equal(document.Descendants<Block>().ToList(), RunbookParser.BlocksInOrder(document).ToList());
    }

    [Fact]
    public void SlugsAreTheSameForEveryCharacter()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var text = $" A{(char)c}b ";
            Assert.Equal(ReferenceSlug(text), Slugs.From(text));
        }

        Assert.Equal("section", Slugs.From("  "));
        Assert.Equal(ReferenceSlug(new string('x', 300) + " Y"), Slugs.From(new string('x', 300) + " Y"));
    }

    private static string ReferenceSlug(string text)
    {
        // The slug as it was first written: lower-cased string, then character by character.
        var slug = new System.Text.StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (char.IsWhiteSpace(c))
            {
                slug.Append('-');
            }
        }

        return slug.Length == 0 ? "section" : slug.ToString();
    }

    private static string Json(FrostGuard.Runbooks.FrostRunbook runbook) => JsonSerializer.Serialize(runbook);

}
