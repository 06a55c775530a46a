namespace FrostGuard.Engine.Runbooks;

/// <summary>Expands the paths given to the runbook cmdlets into Markdown files.</summary>
public static class RunbookSources
{
    public static IReadOnlyList<string> Expand(string path, bool recurse)
    {
        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path, "*.md", recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Order(StringComparer.Ordinal)
                .ToList();
        }

        if (File.Exists(path))
        {
            return [Path.GetFullPath(path)];
        }

        throw new FrostException(ErrorIds.RunbookNotFound, FailureKind.NotFound,
            $"No runbook at {path}: it is neither a Markdown file nor a folder.", path,
            "Check the path; Get-FrostRunbook <folder> lists the runbooks in a folder.");
    }
}
