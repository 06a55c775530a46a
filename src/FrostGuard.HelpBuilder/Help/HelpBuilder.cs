namespace FrostGuard.HelpTool;

/// <summary>
/// Builds the module's help: every cmdlet's page read and checked against the cmdlet's real
/// metadata (each parameter described, none that does not exist, the outputs its [OutputType]
/// says, related pages that exist), then one MAML file and the about topics. All problems of all
/// pages are reported together, each with its file and line.
/// </summary>
public static class HelpBuilder
{
    public const string MamlFileName = "FrostGuard.dll-Help.xml";

    /// <summary>Writes &lt;outputFolder&gt;/FrostGuard.dll-Help.xml and about_*.help.txt; throws <see cref="HelpPageException"/> listing every problem.</summary>
    public static IReadOnlyList<string> Build(IReadOnlyList<CmdletMetadata> cmdlets, string cmdletPagesFolder, string aboutFolder, string outputFolder)
    {
        var problems = new List<HelpProblem>();
        var pages = ReadPages(cmdlets, cmdletPagesFolder, problems);
        var abouts = Directory.EnumerateFiles(aboutFolder, "about_*.md").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Source: f, Text: AboutTopicWriter.Convert(File.ReadAllText(f), f, problems))).ToList();
        if (problems.Count > 0)
        {
            throw new HelpPageException(problems);
        }

        Directory.CreateDirectory(outputFolder);
        var written = new List<string>();
        var maml = Path.Combine(outputFolder, MamlFileName);
        File.WriteAllText(maml, MamlWriter.Write(pages));
        written.Add(maml);
        foreach (var (source, text) in abouts)
        {
            var target = Path.Combine(outputFolder, Path.GetFileNameWithoutExtension(source) + ".help.txt");
            File.WriteAllText(target, text!);
            written.Add(target);
        }

        return written;
    }

    /// <summary>Every cmdlet's page, parsed and checked; a cmdlet without a page and a page without a cmdlet are problems.</summary>
    public static List<(CmdletMetadata Cmdlet, HelpPage Page)> ReadPages(IReadOnlyList<CmdletMetadata> cmdlets, string folder, List<HelpProblem> problems)
    {
        var result = new List<(CmdletMetadata, HelpPage)>();
        var byName = cmdlets.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.md").OrderBy(f => f, StringComparer.Ordinal).ToList() : [];
        foreach (var cmdlet in cmdlets.Where(c => !files.Any(f => string.Equals(Path.GetFileNameWithoutExtension(f), c.Name, StringComparison.Ordinal))))
        {
            problems.Add(new HelpProblem(Path.Combine(folder, cmdlet.Name + ".md"), 1,
                $"{cmdlet.Name} has no help page: write this file (format: docs/cmdlets/Get-FrostService.md)"));
        }

        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!byName.TryGetValue(name, out var cmdlet))
            {
                problems.Add(new HelpProblem(file, 1, $"there is no cmdlet {name} in the module; rename or remove the page"));
                continue;
            }

            var page = HelpPageParser.Parse(File.ReadAllText(file), file, problems);
            if (page is not null)
            {
                var before = problems.Count;
                Check(cmdlet, page, problems);
                if (problems.Count == before)
                {
                    result.Add((cmdlet, page));
                }
            }
        }

        return result;
    }

    /// <summary>The page against the code: parameters, outputs and related pages.</summary>
    public static void Check(CmdletMetadata cmdlet, HelpPage page, List<HelpProblem> problems)
    {
        var parametersLine = page.Parameters.Count > 0 ? page.Parameters[0].Text.Line - 1 : page.Description.Line;
        foreach (var parameter in cmdlet.Parameters.Where(p => !page.Parameters.Any(t => string.Equals(t.Name, p.Name, StringComparison.OrdinalIgnoreCase))))
        {
            problems.Add(new HelpProblem(page.Path, parametersLine,
                $"-{parameter.Name} is a parameter of {cmdlet.Name} ({parameter.TypeName}) but has no '### -{parameter.Name}' section"));
        }

        foreach (var text in page.Parameters)
        {
            var real = cmdlet.Parameters.FirstOrDefault(p => string.Equals(p.Name, text.Name, StringComparison.OrdinalIgnoreCase));
            if (real is null)
            {
                var why = text.Name is "WhatIf" or "Confirm"
                    ? "-WhatIf and -Confirm are described by the build, not by the page"
                    : $"{cmdlet.Name} has no parameter -{text.Name}";
                problems.Add(new HelpProblem(page.Path, text.Text.Line, $"{why}; remove '### -{text.Name}'"));
            }
            else if (!string.Equals(real.Name, text.Name, StringComparison.Ordinal))
            {
                problems.Add(new HelpProblem(page.Path, text.Text.Line, $"write '### -{real.Name}' as the parameter is spelled"));
            }
        }

        var declared = cmdlet.OutputTypes.Select(t => t == "System.Void" ? "None" : t).ToHashSet(StringComparer.Ordinal);
        var documented = page.Outputs.Select(o => o.TypeName).ToHashSet(StringComparer.Ordinal);
        foreach (var output in page.Outputs.Where(o => !declared.Contains(o.TypeName)))
        {
            problems.Add(new HelpProblem(page.Path, output.Text.Line,
                $"{cmdlet.Name} does not declare [OutputType] {output.TypeName}; its output types are {string.Join(", ", declared.Order())}"));
        }

        foreach (var missing in declared.Where(d => !documented.Contains(d)).Order())
        {
            problems.Add(new HelpProblem(page.Path, page.Outputs.Count > 0 ? page.Outputs[0].Text.Line - 1 : 1,
                $"[OutputType] {missing} of {cmdlet.Name} has no '### {missing}' section under '## Outputs'"));
        }

        var folder = Path.GetDirectoryName(page.Path) ?? ".";
        foreach (var link in page.RelatedLinks.Where(l => !MarkdownProse.IsWebAddress(l.Uri)))
        {
            var target = Path.GetFullPath(Path.Combine(folder, link.Uri.Split('#')[0]));
            if (!File.Exists(target))
            {
                problems.Add(new HelpProblem(page.Path, link.Line, $"the related link '{link.Uri}' points to {target}, which does not exist"));
            }
        }
    }
}
