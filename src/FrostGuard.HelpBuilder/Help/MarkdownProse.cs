using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FrostGuard.HelpTool;

/// <summary>
/// Markdown blocks as the plain paragraphs a console help reader shows: code spans keep their
/// backticks (as in PowerShell's own help), links become their text (web addresses in
/// parentheses), list items become "- item" paragraphs, code blocks stay line by line.
/// </summary>
internal static class MarkdownProse
{
    public static IEnumerable<string> Paragraphs(Block block, int depth = 0)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                yield return Inline(paragraph.Inline);
                break;
            case HeadingBlock heading:
                yield return Inline(heading.Inline);
                break;
            case ListBlock list:
                var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var bullet = list.IsOrdered ? $"{number++}." : "-";
                    var indent = new string(' ', depth * 2);
                    var first = true;
                    foreach (var child in item)
                    {
                        foreach (var text in Paragraphs(child, depth + 1))
                        {
                            yield return first && child is not ListBlock ? $"{indent}{bullet} {text}" : text;
                            first = false;
                        }
                    }
                }

                break;
            case CodeBlock code:
                yield return Code(code);
                break;
            case Table table:
                foreach (var row in table.OfType<TableRow>())
                {
                    yield return string.Join(" | ", row.OfType<TableCell>().Select(c => string.Join(" ", c.SelectMany(b => Paragraphs(b)))));
                }

                break;
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    foreach (var text in Paragraphs(child, depth))
                    {
                        yield return text;
                    }
                }

                break;
            case ThematicBreakBlock:
                break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    foreach (var text in Paragraphs(child, depth))
                    {
                        yield return text;
                    }
                }

                break;
        }
    }

    /// <summary>A code block's text, its lines as written (no trailing blank line).</summary>
    public static string Code(LeafBlock code)
    {
        var lines = code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString());
        return string.Join("\n", lines).TrimEnd('\n', '\r', ' ');
    }

    public static string Inline(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }

        var text = new StringBuilder();
        Append(inline, text);
        return text.ToString().Trim();
    }

    /// <summary>The words of a link, without its address.</summary>
    public static string LinkText(LinkInline link)
    {
        var text = new StringBuilder();
        foreach (var child in link)
        {
            Append(child, text);
        }

        return text.ToString().Trim();
    }

    private static void Append(Inline inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append('`').Append(code.Content).Append('`');
                break;
            case LineBreakInline:
                text.Append(' ');
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case LinkInline { IsImage: true }:
                break;
            case LinkInline link:
                var before = text.Length;
                foreach (var child in link)
                {
                    Append(child, text);
                }

                var shown = text.ToString(before, text.Length - before);
                if (link.Url is { } url && IsWebAddress(url) && !string.Equals(shown, url, StringComparison.Ordinal))
                {
                    text.Append(" (").Append(url).Append(')');
                }

                break;
            case ContainerInline container:
                foreach (var child in container)
                {
                    Append(child, text);
                }

                break;
            case HtmlInline html:
                text.Append(html.Tag);
                break;
        }
    }

    public static bool IsWebAddress(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}
