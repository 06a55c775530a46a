using System.Text.RegularExpressions;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>Every runbook of the shared corpus (real runbooks written by others) parses cleanly.</summary>
public sealed partial class CorpusTests
{
    public static IEnumerable<object[]> CorpusFiles()
    {
        var corpus = FindCorpus();
        return Directory.EnumerateFiles(corpus, "*.md", SearchOption.AllDirectories).Order().Select(f => new object[] { Path.GetRelativePath(corpus, f) });
    }

    /// <summary>$env:FROSTGUARD_CORPUS, else shared/corpus beside the checkout (as CI lays it out) or above it.</summary>
    internal static string FindCorpus()
    {
        if (Environment.GetEnvironmentVariable("FROSTGUARD_CORPUS") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"shared/corpus not found beside or above {AppContext.BaseDirectory}; set FROSTGUARD_CORPUS to the corpus folder.");
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void ParsesWithoutExceptionAndFindsEveryShellBlock(string relativePath)
    {
        var path = Path.Combine(FindCorpus(), relativePath);
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
        var total = CorpusFiles().Sum(f => RunbookParser.ParseFile(Path.Combine(FindCorpus(), (string)f[0])).Steps.Count);

        Assert.True(total > 20, $"only {total} steps found in the corpus");
    }

    /// <summary>Fence lines alternate open/close; an odd count means the last one is never closed.</summary>
    private static int UnclosedFences(string text) => FenceLine().Matches(text).Count % 2;

    [GeneratedRegex(@"^[ \t]*```", RegexOptions.Multiline)]
    private static partial Regex FenceLine();

    [GeneratedRegex(@"^[ \t]*(```|~~~)[ \t]*(bash|sh|shell|pwsh|powershell|ps1|ps)\b", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ShellFence();
}
