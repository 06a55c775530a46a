using System.Net;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace FrostGuard.Engine.Runbooks.Reporting;

/// <summary>
/// Renders code blocks as Markdig does, then, under each block that was a step of the run, its
/// status, duration and output (collapsed when long).
/// </summary>
internal sealed class AnnotatedCodeBlockRenderer : CodeBlockRenderer
{
    private readonly Func<int, string?> _annotationForLine;

    /// <param name="annotationForLine">HTML to place after the block opening at this 1-based line, or null.</param>
    public AnnotatedCodeBlockRenderer(Func<int, string?> annotationForLine) => _annotationForLine = annotationForLine;

    protected override void Write(HtmlRenderer renderer, CodeBlock block)
    {
        var annotation = _annotationForLine(block.Line + 1);
        if (annotation is null)
        {
            base.Write(renderer, block);
            return;
        }

        renderer.Write("<div class=\"step\">");
        base.Write(renderer, block);
        renderer.Write(annotation);
        renderer.Write("</div>");
    }

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
