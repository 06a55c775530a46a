using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace FrostGuard.HelpTool;

/// <summary>
/// Turns docs/about_*.md into the plain-text about topic Get-Help shows (about_*.help.txt):
/// "# about_Name", then "## Short description" (one paragraph, what Get-Help lists) and
/// "## Long description"; further "## " sections become upper-case headings, prose is wrapped
/// at 80 columns, code stays as written.
/// </summary>
public static class AboutTopicWriter
{
    private const int Width = 80;
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    public static string? Convert(string markdown, string path, List<HelpProblem> problems)
    {
        var before = problems.Count;
        var blocks = Markdown.Parse(markdown.TrimStart('\uFEFF'), Pipeline).ToList();
        var name = Path.GetFileNameWithoutExtension(path);
        if (blocks.FirstOrDefault() is not HeadingBlock { Level: 1 } title || MarkdownProse.Inline(title.Inline) != name)
        {
            problems.Add(new HelpProblem(path, (blocks.FirstOrDefault()?.Line ?? 0) + 1, $"an about topic starts with '# {name}', its file's name"));
            return null;
        }

        var headings = blocks.OfType<HeadingBlock>().Where(h => h.Level == 2).Select(h => MarkdownProse.Inline(h.Inline)).ToList();
        if (headings.Count < 2 || headings[0] != "Short description" || headings[1] != "Long description")
        {
            problems.Add(new HelpProblem(path, title.Line + 1, "an about topic's first sections are '## Short description' (one paragraph) and '## Long description'"));
            return null;
        }

        var shortParagraphs = blocks.SkipWhile(b => b is not HeadingBlock { Level: 2 }).Skip(1).TakeWhile(b => b is not HeadingBlock).ToList();
        if (shortParagraphs.Count != 1 || shortParagraphs[0] is not ParagraphBlock)
        {
            problems.Add(new HelpProblem(path, title.Line + 1, "'## Short description' is one paragraph"));
        }

        if (problems.Count > before)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append("TOPIC\n    ").Append(name).Append('\n');
        var afterHeading = false;
        foreach (var block in blocks.Skip(1))
        {
            // A heading's first paragraph follows it directly, as in PowerShell's own about topics.
            var separator = afterHeading ? "" : "\n";
            afterHeading = block is HeadingBlock;
            switch (block)
            {
                case HeadingBlock { Level: 2 } heading:
                    text.Append('\n').Append(MarkdownProse.Inline(heading.Inline).ToUpperInvariant()).Append('\n');
                    break;
                case HeadingBlock heading:
                    text.Append('\n').Append("  ").Append(MarkdownProse.Inline(heading.Inline)).Append('\n');
                    break;
                case CodeBlock code:
                    text.Append(separator);
                    foreach (var line in MarkdownProse.Code(code).Split('\n'))
                    {
                        text.Append(line.Length > 0 ? "        " + line : "").Append('\n');
                    }

                    break;
                case ListBlock list:
                    text.Append(separator);
                    foreach (var item in MarkdownProse.Paragraphs(list))
                    {
                        var indent = item.TakeWhile(c => c == ' ').Count();
                        var hanging = item.TrimStart().IndexOf(' ') + 1;
                        Wrap(text, item.TrimStart(), 4 + indent, 4 + indent + hanging);
                    }

                    break;
                case Table:
                    text.Append(separator);
                    foreach (var row in MarkdownProse.Paragraphs(block))
                    {
                        text.Append("    ").Append(row).Append('\n');
                    }

                    break;
                default:
                    foreach (var paragraph in MarkdownProse.Paragraphs(block))
                    {
                        text.Append(separator);
                        separator = "\n";
                        Wrap(text, paragraph, 4, 4);
                    }

                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Word-wraps one paragraph: the first line indented by <paramref name="first"/>, the rest by <paramref name="rest"/>.</summary>
    private static void Wrap(StringBuilder text, string paragraph, int first, int rest)
    {
        var line = new StringBuilder(new string(' ', first));
        var empty = true;
        foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                text.Append(line).Append('\n');
                line.Clear().Append(' ', rest);
                empty = true;
            }

            if (!empty)
            {
                line.Append(' ');
            }

            line.Append(word);
            empty = false;
        }

        text.Append(line).Append('\n');
    }
}
