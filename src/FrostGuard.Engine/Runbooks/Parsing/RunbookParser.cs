using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using FrostGuard.Runbooks;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.TaskLists;
using Markdig.Extensions.Yaml;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>
/// Parses a Markdown runbook with Markdig into FrostGuard's own model: headings become sections,
/// pwsh/bash fences become steps, task-list items become checklist items, pipe tables stay as
/// data. Never throws on malformed Markdown: problems become findings with file:line:column.
/// </summary>
public static class RunbookParser
{
    /// <summary>The runbook syntax, every inline parsed: for rendering a runbook (the run report).</summary>
    private static readonly MarkdownPipeline Pipeline = Syntax().Build();

    /// <summary>The same syntax for building the model: inlines only where the model reads them.</summary>
    private static readonly MarkdownPipeline ModelPipeline = Syntax().Use<ModelInlines>().Build();

    public static MarkdownPipeline MarkdownPipeline => Pipeline;

    /// <summary>The pipeline the model is parsed with: inlines only where the model reads them.</summary>
    public static MarkdownPipeline ModelMarkdownPipeline => ModelPipeline;

    private static MarkdownPipelineBuilder Syntax() => new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .UseTaskLists()
        .UseGenericAttributes(); // last: it reads attributes the other extensions leave

    public static FrostRunbook ParseFile(string path) => ParseFileWithText(path).Runbook;

    /// <summary>As <see cref="ParseFile"/>, with the text it parsed: one read, so the text and the content hash are of the same bytes.</summary>
    public static (FrostRunbook Runbook, string Text) ParseFileWithText(string path)
    {
        var full = Path.GetFullPath(path);
        using var collections = BatchCollectionScope.Enter();
        var (buffer, length) = ReadPooled(full);
        try
        {
            var bytes = buffer.AsSpan(0, length);
            var text = Decode(bytes);
            return (Parse(text, full, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant()), text);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The file's bytes in a pooled buffer: a large runbook's bytes are only hashed and decoded,
    /// and a fresh array per file would be one more large-object allocation for the GC.
    /// </summary>
    private static (byte[] Buffer, int Length) ReadPooled(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(file.Length, 1), Array.MaxLength));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    // The file grew while it was read: keep reading, as File.ReadAllBytes would.
                    var larger = ArrayPool<byte>.Shared.Rent(checked(buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = file.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static FrostRunbook Parse(string markdown, string path, string? contentHash = null) => Parse(markdown, path, contentHash, ModelPipeline);

    /// <summary>With the rendering pipeline (every inline parsed): tests prove the model is the same.</summary>
    internal static FrostRunbook ParseWithEveryInline(string markdown, string path) => Parse(markdown, path, null, Pipeline);

    private static FrostRunbook Parse(string markdown, string path, string? contentHash, MarkdownPipeline pipeline)
    {
        contentHash ??= Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(markdown))).ToLowerInvariant();
        return new Builder(markdown, path).Build(contentHash, pipeline);
    }

    internal static StepLanguage? LanguageOf(string info)
    {
        // Asked for every fence in the file: compared in place rather than lower-cased into a new string.
        var name = info.AsSpan().Trim();
        return Is(name, "pwsh") || Is(name, "powershell") || Is(name, "ps1") || Is(name, "ps") ? StepLanguage.PowerShell
            : Is(name, "bash") || Is(name, "sh") || Is(name, "shell") ? StepLanguage.Bash
            : null;
    }

    /// <summary>Whether <paramref name="text"/>, lower-cased as ToLowerInvariant does, is <paramref name="lower"/>.</summary>
    private static bool Is(ReadOnlySpan<char> text, string lower)
    {
        if (text.Length != lower.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.ToLowerInvariant(text[i]) != lower[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Every block under the document, depth first, in document order: what Markdig's
    /// Descendants gives, without its stack of every top-level block (a large runbook has tens
    /// of thousands) — this one holds one position per nesting level.
    /// </summary>
    internal static IEnumerable<Block> BlocksInOrder(MarkdownDocument document)
    {
        var path = new Stack<(ContainerBlock Container, int Next)>();
        var container = (ContainerBlock)document;
        var next = 0;
        while (true)
        {
            if (next < container.Count)
            {
                var block = container[next++];
                yield return block;
                if (block is ContainerBlock { Count: > 0 } inner)
                {
                    path.Push((container, next));
                    (container, next) = (inner, 0);
                }
            }
            else if (path.Count > 0)
            {
                (container, next) = path.Pop();
            }
            else
            {
                yield break;
            }
        }
    }

    /// <summary>UTF-8 without its byte order mark (decoded past, rather than cut off a decoded copy).</summary>
    private static string Decode(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes);

    private sealed class Builder
    {
        private readonly string _markdown;
        private readonly string _path;
        private int _cursorLine = 1;
        private int _cursorOffset;
        private readonly FindingSink _findings;
        private readonly List<SectionDraft> _sections = [];
        private readonly Stack<SectionDraft> _open = new();
        private readonly HashSet<string> _sectionIds = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<RunbookStep> _steps = [];
        private readonly HashSet<string> _stepIds = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, int> _idCounters = new(StringComparer.OrdinalIgnoreCase);
        private int _stepsOutsideSections;
        private readonly List<(ListItemBlock Item, RunbookChecklistItem Draft)> _checklist = [];
        private readonly Dictionary<ListItemBlock, RunbookStep> _checks = [];
        private readonly List<RunbookTable> _tables = [];
        private FrontMatter _frontMatter = FrontMatter.Empty;
        private string? _firstHeading;

        public Builder(string markdown, string path)
        {
            _markdown = markdown;
            _path = path;
            _findings = new FindingSink(path);
        }

        public FrostRunbook Build(string contentHash, MarkdownPipeline pipeline)
        {
            var document = Markdown.Parse(_markdown, pipeline);
            foreach (var block in BlocksInOrder(document))
            {
                switch (block)
                {
                    case YamlFrontMatterBlock yaml when yaml.Parent == document:
                        _frontMatter = FrontMatter.Parse(yaml.Lines.ToString(), yaml.Line + 2, _findings);
                        break;
                    case HeadingBlock heading:
                        OpenSection(heading);
                        break;
                    case FencedCodeBlock fence:
                        AddFence(fence);
                        break;
                    case CodeBlock indented when indented.GetType() == typeof(CodeBlock):
                        ReportStepFencesIn(indented);
                        break;
                    case ListItemBlock item:
                        AddChecklistItem(item);
                        break;
                    case Table table:
                        AddTable(table);
                        break;
                }
            }

            CheckRollbacks();
            var checklist = _checklist.Select(c => _checks.TryGetValue(c.Item, out var check)
                ? new RunbookChecklistItem { Text = c.Draft.Text, Line = c.Draft.Line, SectionId = c.Draft.SectionId, Checked = c.Draft.Checked, Check = check }
                : c.Draft).ToList();

            return new FrostRunbook
            {
                Path = _path,
                Id = _frontMatter.Id ?? Slugs.From(System.IO.Path.GetFileNameWithoutExtension(_path)),
                Title = _frontMatter.Title ?? _firstHeading ?? System.IO.Path.GetFileNameWithoutExtension(_path),
                Summary = _frontMatter.Summary,
                ContentHash = contentHash,
                Parameters = _frontMatter.Parameters,
                Requires = _frontMatter.Requires,
                Tags = _frontMatter.Tags,
                Sections = _sections.Select(s => s.ToSection()).ToList(),
                Steps = _steps,
                Checklist = checklist,
                Tables = _tables,
                Findings = _findings.Findings,
            };
        }

        private SectionDraft? Current => _open.Count > 0 ? _open.Peek() : null;

        private void OpenSection(HeadingBlock heading)
        {
            var title = InlineText.Of(heading.Inline);
            _firstHeading ??= heading.Level == 1 ? title : null;
            while (_open.Count > 0 && _open.Peek().Level >= heading.Level)
            {
                _open.Pop();
            }

            var explicitId = heading.TryGetAttributes()?.Id;
            var id = Slugs.Unique(string.IsNullOrWhiteSpace(explicitId) ? Slugs.From(title) : explicitId, _sectionIds, _idCounters);
            var section = new SectionDraft(id, title, heading.Level, heading.Line + 1, Current?.Id);
            _sections.Add(section);
            _open.Push(section);
        }

        private void AddFence(FencedCodeBlock fence)
        {
            var line = fence.Line + 1;
            if (fence.ClosingFencedCharCount == 0)
            {
                _findings.Error(line, fence.Column + 1, RuleIds.UnclosedFence,
                    "This code fence is never closed, so everything after it is code. Close it with a matching fence line.");
            }

            if (LanguageOf(fence.Info ?? "") is not { } language)
            {
                return;
            }

            var rawLine = RawLine(line);
            var attributes = FenceAttributes.Read(fence, rawLine, _findings);
            if (attributes.HasClass("example") || attributes.HasClass("noexec"))
            {
                return;
            }

            var column = fence.Column + 1;
            var settings = StepAttributeReader.Read(attributes, line, column, _findings);
            var role = attributes.HasClass("check") ? StepRole.Check
                : attributes.HasClass("rollback") ? StepRole.Rollback
                : attributes.HasClass("finally") ? StepRole.Finally
                : StepRole.Normal;
            var checklistItem = EnclosingTaskItem(fence);
            if (role == StepRole.Check && checklistItem is null)
            {
                _findings.Warning(line, column, RuleIds.CheckOutsideChecklist, "A .check block belongs inside a task-list item (- [ ] …); this one is never run.");
            }

            var code = fence.Lines.ToString().Replace("\r", "", StringComparison.Ordinal);
            var section = Current;
            var id = StepId(attributes, settings, section, line, column);
            var step = new RunbookStep
            {
                Id = id,
                Name = settings.Name ?? CodeText.FirstLine(code, 60, skipComments: false) ?? id,
                Language = language,
                Role = role,
                Code = code,
                Line = line,
                CodeLine = line + 1,
                Column = column,
                SectionId = section?.Id,
                Timeout = settings.Timeout,
                Retries = settings.Retries,
                RetryDelay = settings.RetryDelay,
                Confirm = settings.Confirm,
                ContinueOnError = settings.ContinueOnError,
                When = settings.When,
                Rollback = settings.Rollback,
                IsReadOnly = attributes.HasClass("readonly"),
                IsDestructive = attributes.HasClass("destructive"),
                WorkingDirectory = settings.WorkingDirectory,
                Attributes = attributes.Properties,
            };
            if (string.IsNullOrWhiteSpace(code))
            {
                _findings.Warning(line, column, RuleIds.EmptyStep, $"Step '{id}' has no code.", id);
            }

            _steps.Add(step);
            section?.AddStep(id);
            if (role == StepRole.Check && checklistItem is not null)
            {
                _checks[checklistItem] = step;
            }
        }

        /// <summary>
        /// A step fence indented by a tab or four spaces (outside a list item) is an indented
        /// code block in CommonMark: its fence lines are code, and the step silently vanishes.
        /// Its opening lines are reported where they are; closing lines (a bare fence) are not.
        /// </summary>
        private void ReportStepFencesIn(CodeBlock indented)
        {
            var open = false;
            foreach (var codeLine in indented.Lines.Lines.AsSpan(0, indented.Lines.Count))
            {
                var text = codeLine.Slice.ToString().TrimStart();
                if (!text.StartsWith("```", StringComparison.Ordinal) && !text.StartsWith("~~~", StringComparison.Ordinal))
                {
                    continue;
                }

                var info = text.TrimStart('`', '~');
                open = !open;
                var language = info.Split(['{', ' ', '\t'], 2)[0];
                if (open && LanguageOf(language) is not null)
                {
                    var line = codeLine.Line + 1;
                    var raw = RawLine(line);
                    _findings.Warning(line, raw.IndexOf(text[0], StringComparison.Ordinal) + 1, RuleIds.StepFenceIndented,
                        $"This {language} fence is indented by a tab or four spaces, which makes it an indented code block, not a step: it never runs. "
                        + "Start the fence at the line's beginning (at most three spaces) to make it a step; to show it as text, put it in a ````markdown fence.");
                }
            }
        }

        /// <summary>
        /// Line <paramref name="line"/> (1-based, lines split at '\n', without a trailing '\r'), or
        /// "" past the end. Fences come in document order, so a cursor that only moves forward
        /// finds each one without splitting the whole text into lines.
        /// </summary>
        private string RawLine(int line)
        {
            if (line < _cursorLine)
            {
                (_cursorLine, _cursorOffset) = (1, 0);
            }

            while (_cursorLine < line)
            {
                var newline = _markdown.IndexOf('\n', _cursorOffset);
                if (newline < 0)
                {
                    return "";
                }

                (_cursorLine, _cursorOffset) = (_cursorLine + 1, newline + 1);
            }

            var end = _markdown.IndexOf('\n', _cursorOffset);
            return _markdown.AsSpan(_cursorOffset, (end < 0 ? _markdown.Length : end) - _cursorOffset).TrimEnd('\r').ToString();
        }

        private string StepId(FenceAttributes attributes, StepAttributeReader.Settings settings, SectionDraft? section, int line, int column)
        {
            // Runme's JSON form carries an internal ULID id as well: the name is what people use.
            var chosen = attributes.Id
                ?? (settings.Name is { } name && StepAttributeReader.IsIdentifier(name) ? name : null)
                ?? settings.RunmeId;
            if (chosen is not null)
            {
                if (!_stepIds.Add(chosen))
                {
                    _findings.Error(line, column, RuleIds.DuplicateStepId, $"Step id '{chosen}' is used twice; step ids must be unique in a runbook.", chosen);
                }

                return chosen;
            }

            var prefix = section?.Id ?? "step";
            var n = section is null ? ++_stepsOutsideSections : section.StepCount + 1;
            return Slugs.Unique($"{prefix}-{n}", _stepIds, _idCounters);
        }

        private void AddChecklistItem(ListItemBlock item)
        {
            if (item.Count == 0 || item[0] is not ParagraphBlock { Inline.FirstChild: TaskList task } paragraph)
            {
                return;
            }

            _checklist.Add((item, new RunbookChecklistItem
            {
                Text = InlineText.Of(paragraph.Inline),
                Line = item.Line + 1,
                SectionId = Current?.Id,
                Checked = task.Checked,
            }));
        }

        private static ListItemBlock? EnclosingTaskItem(Block block)
        {
            for (var parent = block.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is ListItemBlock item && item.Count > 0 && item[0] is ParagraphBlock { Inline.FirstChild: TaskList })
                {
                    return item;
                }
            }

            return null;
        }

        private void AddTable(Table table)
        {
            var rows = table.OfType<TableRow>().ToList();
            var header = rows.FirstOrDefault(r => r.IsHeader);
            var body = rows.Where(r => !r.IsHeader).ToList();
            var draft = new RunbookTable
            {
                Path = _path,
                SectionId = Current?.Id,
                Line = table.Line + 1,
                Header = header is null ? [] : Cells(header),
                Rows = body.Select(Cells).ToList(),
                RowLines = body.Select(r => r.Line + 1).ToList(),
            };
            _tables.Add(draft);
            Current?.AddTable(draft);
        }

        private static IReadOnlyList<string> Cells(TableRow row) => row.OfType<TableCell>().Select(c => InlineText.Of(c)).ToList();

        private void CheckRollbacks()
        {
            foreach (var step in _steps.Where(s => s.Rollback is not null))
            {
                var target = _steps.FirstOrDefault(s => string.Equals(s.Id, step.Rollback, StringComparison.OrdinalIgnoreCase));
                if (target is null)
                {
                    _findings.Error(step.Line, step.Column, RuleIds.RollbackTargetMissing,
                        $"Step '{step.Id}' names rollback step '{step.Rollback}', which does not exist.", step.Id);
                }
                else if (target.Role != StepRole.Rollback)
                {
                    _findings.Warning(step.Line, step.Column, RuleIds.RollbackTargetInSequence,
                        $"Rollback step '{target.Id}' is not marked .rollback, so it also runs in the normal sequence.", step.Id);
                }
            }
        }

        /// <summary>A section while its steps and tables are collected; most sections have neither, so the lists come on first use.</summary>
        private sealed class SectionDraft(string id, string title, int level, int line, string? parentId)
        {
            private List<string>? _stepIds;
            private List<RunbookTable>? _tables;

            public string Id { get; } = id;
            public int Level { get; } = level;
            public int StepCount => _stepIds?.Count ?? 0;

            public void AddStep(string stepId) => (_stepIds ??= []).Add(stepId);

            public void AddTable(RunbookTable table) => (_tables ??= []).Add(table);

            public RunbookSection ToSection() => new()
            {
                Id = Id, Title = title, Level = Level, Line = line, ParentId = parentId, StepIds = _stepIds ?? [], Tables = _tables ?? [],
            };
        }
    }
}
