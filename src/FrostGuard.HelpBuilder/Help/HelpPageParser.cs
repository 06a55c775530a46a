using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FrostGuard.HelpTool;

/// <summary>
/// Reads a cmdlet help page with Markdig and checks its shape: "# Verb-Noun", then the sections
/// Synopsis, Description, Parameters ("### -Name" each), Examples ("### Example N: Title", one
/// powershell fence and a paragraph each), Outputs ("### Type" each) and, optionally, Notes and
/// Related links. Every problem found is reported with its line; nothing is silently dropped.
/// </summary>
public static partial class HelpPageParser
{
    public const string NoExecClass = ".noexec";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    private static readonly string[] Required = ["Synopsis", "Description", "Parameters", "Examples", "Outputs"];
    private static readonly string[] Optional = ["Notes", "Related links"];

    [GeneratedRegex(@"^Example (\d+): (\S.*)$")]
    private static partial Regex ExampleHeading();

    [GeneratedRegex(@"^-([A-Za-z][A-Za-z0-9]*)$")]
    private static partial Regex ParameterHeading();

    [GeneratedRegex(@"\bDefault:\s*`([^`]+)`")]
    private static partial Regex DefaultValue();

    /// <summary>Parses a page; problems are added to <paramref name="problems"/> and the page is null when it cannot be used.</summary>
    public static HelpPage? Parse(string markdown, string path, List<HelpProblem> problems)
    {
        var before = problems.Count;
        var document = Markdown.Parse(markdown.TrimStart('\uFEFF'), Pipeline);
        var blocks = document.ToList();
        void Problem(Block? block, string message) => problems.Add(new HelpProblem(path, (block?.Line ?? 0) + 1, message));

        if (blocks.FirstOrDefault() is not HeadingBlock { Level: 1 } title)
        {
            Problem(blocks.FirstOrDefault(), "the page must start with '# <Verb-Noun>', the cmdlet's name");
            return null;
        }

        var name = MarkdownProse.Inline(title.Inline);
        var expected = System.IO.Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(name, expected, StringComparison.Ordinal))
        {
            Problem(title, $"the title '{name}' must be the file's name, '{expected}'");
        }

        var sections = new Dictionary<string, (HeadingBlock Heading, List<Block> Blocks)>(StringComparer.Ordinal);
        List<Block>? current = null;
        foreach (var block in blocks.Skip(1))
        {
            if (block is HeadingBlock { Level: 1 })
            {
                Problem(block, "only one '# ' title per page; sections are '## '");
                continue;
            }

            if (block is HeadingBlock { Level: 2 } heading)
            {
                var section = MarkdownProse.Inline(heading.Inline);
                if (!Required.Contains(section) && !Optional.Contains(section))
                {
                    Problem(heading, $"unknown section '## {section}'; the sections are {string.Join(", ", Required.Concat(Optional).Select(s => $"'## {s}'"))}");
                    current = null;
                    continue;
                }

                if (sections.ContainsKey(section))
                {
                    Problem(heading, $"'## {section}' appears twice");
                    current = null;
                    continue;
                }

                current = [];
                sections[section] = (heading, current);
                continue;
            }

            if (current is null)
            {
                Problem(block, "text outside a '## ' section");
                continue;
            }

            current.Add(block);
        }

        foreach (var missing in Required.Where(r => !sections.ContainsKey(r)))
        {
            Problem(title, $"the '## {missing}' section is missing");
        }

        if (problems.Count > before)
        {
            return null;
        }

        var synopsis = Prose(sections["Synopsis"], "Synopsis", Problem);
        if (synopsis.Paragraphs.Count != 1)
        {
            Problem(sections["Synopsis"].Heading, "'## Synopsis' must be one paragraph (one sentence)");
        }

        var page = new HelpPage
        {
            Path = path,
            Name = name,
            Synopsis = synopsis,
            Description = Prose(sections["Description"], "Description", Problem),
            Parameters = Parameters(sections["Parameters"], Problem),
            Examples = Examples(sections["Examples"], Problem),
            Outputs = Outputs(sections["Outputs"], Problem),
            RelatedLinks = sections.TryGetValue("Related links", out var links) ? Links(links, Problem) : [],
            Notes = sections.TryGetValue("Notes", out var notes) ? Prose(notes, "Notes", Problem) : null,
        };
        return problems.Count > before ? null : page;
    }

    private static HelpText Prose((HeadingBlock Heading, List<Block> Blocks) section, string name, Action<Block?, string> problem)
    {
        foreach (var heading in section.Blocks.OfType<HeadingBlock>().Where(h => h.Level <= 3))
        {
            problem(heading, $"'## {name}' has no '### ' subsections");
        }

        var paragraphs = section.Blocks.SelectMany(b => MarkdownProse.Paragraphs(b)).Where(p => p.Length > 0).ToList();
        if (paragraphs.Count == 0)
        {
            problem(section.Heading, $"'## {name}' is empty");
        }

        return new HelpText(paragraphs, section.Heading.Line + 1);
    }

    /// <summary>Splits a section at its "### " headings; blocks before the first one are a problem.</summary>
    private static List<(HeadingBlock Heading, string Text, List<Block> Blocks)> Subsections(
        (HeadingBlock Heading, List<Block> Blocks) section, string what, Action<Block?, string> problem)
    {
        var result = new List<(HeadingBlock, string, List<Block>)>();
        foreach (var block in section.Blocks)
        {
            if (block is HeadingBlock { Level: 3 } heading)
            {
                result.Add((heading, MarkdownProse.Inline(heading.Inline), []));
            }
            else if (result.Count == 0)
            {
                problem(block, $"text before the first '### ' of '## {MarkdownProse.Inline(section.Heading.Inline)}': each {what} is a '### ' subsection");
            }
            else
            {
                result[^1].Item3.Add(block);
            }
        }

        return result;
    }

    private static List<HelpParameterText> Parameters((HeadingBlock Heading, List<Block> Blocks) section, Action<Block?, string> problem)
    {
        var parameters = new List<HelpParameterText>();
        foreach (var (heading, text, blocks) in Subsections(section, "parameter", problem))
        {
            var match = ParameterHeading().Match(text);
            if (!match.Success)
            {
                problem(heading, $"'### {text}' is not a parameter heading; write '### -Name'");
                continue;
            }

            var name = match.Groups[1].Value;
            if (parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                problem(heading, $"-{name} is described twice");
                continue;
            }

            var paragraphs = blocks.SelectMany(b => MarkdownProse.Paragraphs(b)).Where(p => p.Length > 0).ToList();
            if (paragraphs.Count == 0)
            {
                problem(heading, $"-{name} has no description");
            }

            var defaultValue = blocks.OfType<LeafBlock>().Select(b => DefaultValue().Match(MarkdownProse.Inline(b.Inline))).FirstOrDefault(m => m.Success);
            parameters.Add(new HelpParameterText(name, new HelpText(paragraphs, heading.Line + 1)) { DefaultValue = defaultValue?.Groups[1].Value });
        }

        return parameters;
    }

    private static List<HelpExample> Examples((HeadingBlock Heading, List<Block> Blocks) section, Action<Block?, string> problem)
    {
        var examples = new List<HelpExample>();
        // Counted by heading, so one broken example does not make the next ones look misnumbered.
        var seen = 0;
        foreach (var (heading, text, blocks) in Subsections(section, "example", problem))
        {
            seen++;
            var match = ExampleHeading().Match(text);
            if (!match.Success)
            {
                problem(heading, $"'### {text}' is not an example heading; write '### Example {seen}: What it does'");
                continue;
            }

            var number = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (number != seen)
            {
                problem(heading, $"example {number} should be numbered {seen}");
            }

            var fences = blocks.OfType<FencedCodeBlock>().ToList();
            if (fences.Count != 1)
            {
                problem(heading, $"Example {number} needs exactly one ```powershell fence (it has {fences.Count})");
                continue;
            }

            var fence = fences[0];
            var info = fence.Info?.Trim() ?? "";
            var arguments = fence.Arguments?.Trim() ?? "";
            if (info is not ("powershell" or "pwsh"))
            {
                problem(fence, $"Example {number}'s fence must be ```powershell (it is ```{info})");
                continue;
            }

            var noExec = false;
            if (arguments.Length > 0)
            {
                if (arguments != "{" + NoExecClass + "}")
                {
                    problem(fence, $"Example {number}'s fence has '{arguments}'; the only attribute allowed is {{{NoExecClass}}} (an example that cannot run against the sandbox)");
                    continue;
                }

                noExec = true;
            }

            var code = MarkdownProse.Code(fence);
            if (code.Trim().Length == 0)
            {
                problem(fence, $"Example {number}'s fence is empty");
            }

            var remarks = blocks.Where(b => b != fence).SelectMany(b => MarkdownProse.Paragraphs(b)).Where(p => p.Length > 0).ToList();
            if (remarks.Count == 0)
            {
                problem(heading, $"Example {number} needs a paragraph saying what it does");
            }

            examples.Add(new HelpExample(number, match.Groups[2].Value.Trim(), code, noExec, new HelpText(remarks, heading.Line + 1), heading.Line + 1, fence.Line + 1));
        }

        if (seen < 2)
        {
            problem(section.Heading, $"at least two examples are needed (found {seen})");
        }

        return examples;
    }

    private static List<HelpOutput> Outputs((HeadingBlock Heading, List<Block> Blocks) section, Action<Block?, string> problem)
    {
        var outputs = new List<HelpOutput>();
        foreach (var (heading, text, blocks) in Subsections(section, "output type", problem))
        {
            var paragraphs = blocks.SelectMany(b => MarkdownProse.Paragraphs(b)).Where(p => p.Length > 0).ToList();
            if (paragraphs.Count == 0)
            {
                problem(heading, $"output {text} has no description");
            }

            outputs.Add(new HelpOutput(text.Trim('`'), new HelpText(paragraphs, heading.Line + 1)));
        }

        if (outputs.Count == 0)
        {
            problem(section.Heading, "'## Outputs' needs a '### <Type>' (or '### None') subsection");
        }

        return outputs;
    }

    private static List<HelpLink> Links((HeadingBlock Heading, List<Block> Blocks) section, Action<Block?, string> problem)
    {
        var links = new List<HelpLink>();
        foreach (var block in section.Blocks)
        {
            if (block is not ListBlock list)
            {
                problem(block, "'## Related links' is a list of links: - [Name](Name.md)");
                continue;
            }

            foreach (var item in list.OfType<ListItemBlock>())
            {
                var link = (item.FirstOrDefault() as ParagraphBlock)?.Inline?.FirstOrDefault() as LinkInline;
                if (link?.Url is not { Length: > 0 } url)
                {
                    problem(item, "each related link is '- [Name](Name.md)' or '- [Text](https://...)'");
                    continue;
                }

                var text = MarkdownProse.LinkText(link);
                links.Add(new HelpLink(text, url, item.Line + 1));
            }
        }

        return links;
    }
}
