using System.Text;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>The plain text of inline Markdown: emphasis, links and code spans reduced to their words.</summary>
internal static class InlineText
{
    public static string Of(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }

        var text = new StringBuilder();
        Append(inline, text);
        return text.ToString().Trim();
    }

    public static string Of(Block block) => block switch
    {
        LeafBlock { Inline: { } inline } => Of(inline),
        ContainerBlock container => string.Join(" ", container.Select(Of).Where(t => t.Length > 0)),
        _ => "",
    };

    private static void Append(Inline inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case LineBreakInline:
                text.Append(' ');
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
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
