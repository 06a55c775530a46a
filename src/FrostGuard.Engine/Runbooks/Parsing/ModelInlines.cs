using Markdig;
using Markdig.Parsers;
using Markdig.Renderers;
using Markdig.Syntax;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>
/// Markdig parses the inline Markdown (emphasis, links, code spans…) of every paragraph, which is
/// about a third of its time on runbook prose; the runbook model reads inlines only in headings,
/// task-list items and pipe tables. This extension turns inline parsing off for the paragraphs the
/// model never reads: not in a list item (task lists) and without a '|' (a pipe table is found by
/// inline parsing of its paragraph). Headings keep their inlines (titles, {#id}). Only for
/// building the model: a pipeline that renders the runbook must not use it.
/// </summary>
internal sealed class ModelInlines : IMarkdownExtension
{
    public void Setup(MarkdownPipelineBuilder pipeline)
    {
        var paragraphs = pipeline.BlockParsers.Find<ParagraphBlockParser>()
            ?? throw new InvalidOperationException("Markdig's pipeline has no paragraph parser; the runbook model pipeline expects one.");
        paragraphs.Closed += (_, block) =>
        {
            if (block is ParagraphBlock paragraph && paragraph.Parent is not ListItemBlock && !HasPipe(paragraph))
            {
                paragraph.ProcessInlines = false;
            }
        };
    }

    public void Setup(MarkdownPipeline pipeline, IMarkdownRenderer renderer)
    {
    }

    private static bool HasPipe(LeafBlock block)
    {
        var lines = block.Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines.Lines[i].Slice.AsSpan().Contains('|'))
            {
                return true;
            }
        }

        return false;
    }
}
