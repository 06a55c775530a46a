using System.Text;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>The plain text of inline Markdown: emphasis, links and code spans reduced to their words.</summary>
internal static class InlineText
{
    // One builder per thread, reused: a runbook has thousands of headings, cells and items.
    [ThreadStatic]
    private static StringBuilder? t_builder;

    public static string Of(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }

        // Most headings and cells are one piece of text: no builder needed.
        if (inline.FirstChild is LiteralInline { NextSibling: null } only)
        {
            return only.Content.AsSpan().Trim().ToString();
        }

        var text = t_builder ?? new StringBuilder();
        t_builder = null;
        Append(inline, text);
        var result = text.ToString().Trim();
        text.Clear();
        if (text.Capacity <= 4096)
        {
            t_builder = text;
        }

        return result;
    }

    public static string Of(Block block) => block switch
    {
        LeafBlock { Inline: { } inline } => Of(inline),
        ContainerBlock { Count: 1 } single => Of(single[0]),
        ContainerBlock container => string.Join(" ", container.Select(Of).Where(t => t.Length > 0)),
        _ => "",
    };

    private static void Append(Inline inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.AsSpan());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case LineBreakInline:
                text.Append(' ');
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.AsSpan());
                break;
            case ContainerInline container:
                foreach (var child in container)
                {
                    Append(child, text);
                }

                break;
        }
    }
}
