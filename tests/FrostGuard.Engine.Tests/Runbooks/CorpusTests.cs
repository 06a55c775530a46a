using System.Text.RegularExpressions;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>Every runbook of tests/corpus (real runbooks written by others) parses cleanly.</summary>
public sealed partial class CorpusTests
{
    /// <summary>The Markdown files of tests/corpus (its README lists them); a missing file fails the count below.</summary>
    internal const int FilesInTheCorpus = 117;

    public static IEnumerable<object[]> CorpusFiles() =>
        MarkdownFiles().Select(f => new object[] { Path.GetRelativePath(RepositoryPaths.Corpus, f) });

    /// <summary>Every runbook of the corpus, without the corpus's own README.</summary>
    internal static IEnumerable<string> MarkdownFiles() =>
        Directory.EnumerateFiles(RepositoryPaths.Corpus, "*.md", SearchOption.AllDirectories)
            .Where(f => Path.GetDirectoryName(f) != RepositoryPaths.Corpus)
            .Order(StringComparer.Ordinal);

    [Fact]
    public void TheCorpusHoldsEveryFileOfItsSource()
    {
        Assert.Equal(FilesInTheCorpus, MarkdownFiles().Count());
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void ParsesWithoutExceptionAndFindsEveryShellBlock(string relativePath)
    {
        var path = Path.Combine(RepositoryPaths.Corpus, relativePath);
        var text = File.ReadAllText(path);

        var runbook = RunbookParser.ParseFile(path);

        // Count shell fences independently of Markdig, by their opening lines.
        var expected = ShellFence().Matches(text).Count;
        Assert.Equal(expected, runbook.Steps.Count);
        // A fence the author never closed is reported, not swallowed (one corpus file has one).
        Assert.Equal(UnclosedFences(text), runbook.Findings.Count(f => f.RuleId == Engine.Runbooks.RuleIds.UnclosedFence));
    }

    [Fact]
    public void TheCorpusHasShellBlocksToFind()
    {
        var total = MarkdownFiles().Sum(f => RunbookParser.ParseFile(f).Steps.Count);

        Assert.True(total > 20, $"only {total} steps found in the corpus");
    }

    /// <summary>Fence lines alternate open/close; an odd count means the last one is never closed.</summary>
    private static int UnclosedFences(string text) => FenceLine().Matches(text).Count % 2;

    [GeneratedRegex(@"^[ \t]*```", RegexOptions.Multiline)]
    private static partial Regex FenceLine();

    [GeneratedRegex(@"^[ \t]*(```|~~~)[ \t]*(bash|sh|shell|pwsh|powershell|ps1|ps)\b", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ShellFence();
}
