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
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .UseTaskLists()
        .UseGenericAttributes() // last: it reads attributes the other extensions leave
        .Build();

    public static MarkdownPipeline MarkdownPipeline => Pipeline;

    public static FrostRunbook ParseFile(string path)
    {
        var full = Path.GetFullPath(path);
        var bytes = File.ReadAllBytes(full);
        return Parse(Decode(bytes), full, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
    }

    public static FrostRunbook Parse(string markdown, string path, string? contentHash = null)
    {
        contentHash ??= Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(markdown))).ToLowerInvariant();
        return new Builder(markdown, path).Build(contentHash);
    }

    internal static StepLanguage? LanguageOf(string info) => info.Trim().ToLowerInvariant() switch
    {
        "pwsh" or "powershell" or "ps1" or "ps" => StepLanguage.PowerShell,
        "bash" or "sh" or "shell" => StepLanguage.Bash,
        _ => null,
    };

    private static string Decode(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    private sealed class Builder
    {
        private readonly string _markdown;
        private readonly string _path;
        private readonly string[] _lines;
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
            _lines = markdown.Split('\n');
            _findings = new FindingSink(path);
        }

        public FrostRunbook Build(string contentHash)
        {
            var document = Markdown.Parse(_markdown, Pipeline);
            foreach (var block in document.Descendants<Block>())
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

            var rawLine = line - 1 < _lines.Length ? _lines[line - 1].TrimEnd('\r') : "";
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
            section?.StepIds.Add(id);
            if (role == StepRole.Check && checklistItem is not null)
            {
                _checks[checklistItem] = step;
            }
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
            var n = section is null ? ++_stepsOutsideSections : section.StepIds.Count + 1;
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
            Current?.Tables.Add(draft);
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

        private sealed record SectionDraft(string Id, string Title, int Level, int Line, string? ParentId)
        {
            public List<string> StepIds { get; } = [];
            public List<RunbookTable> Tables { get; } = [];

            public RunbookSection ToSection() => new()
            {
                Id = Id, Title = Title, Level = Level, Line = Line, ParentId = ParentId, StepIds = StepIds, Tables = Tables,
            };
        }
    }
}
