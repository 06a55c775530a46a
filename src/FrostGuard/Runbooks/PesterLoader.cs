using System.Management.Automation;
using System.Management.Automation.Runspaces;
using FrostGuard.Engine;

namespace FrostGuard.Runbooks;

/// <summary>
/// Loads Pester 5 on demand, into the caller's session: one already imported, else one
/// Import-Module finds, else $env:FROSTGUARD_PESTER, else the newest 5.x in the NuGet cache
/// (where a NuGet restore of the Pester package puts it). A clear error says how to get it otherwise.
/// </summary>
internal static class PesterLoader
{
    public static void Ensure(PSCmdlet cmdlet)
    {
        const string script = """
            param($candidates)
            if (Get-Module Pester | Where-Object { $_.Version.Major -ge 5 }) { return 'loaded' }
            if (Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 }) { Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop; return 'imported' }
            foreach ($candidate in $candidates) {
                if ($candidate -and (Test-Path $candidate)) { Import-Module $candidate -ErrorAction Stop; return "imported $candidate" }
            }
            'missing'
            """;
        var result = cmdlet.InvokeCommand.InvokeScript(script, true, PipelineResultTypes.None, null, [Candidates()]);
        if (result.Count > 0 && result[^1]?.BaseObject is "missing")
        {
            throw new FrostException(ErrorIds.PesterNotFound, FailureKind.NotFound,
                "Checklists run with Pester 5, and no Pester 5 was found (imported, on $env:PSModulePath, in $env:FROSTGUARD_PESTER, or in the NuGet cache).",
                "Pester", "Install it with Install-PSResource Pester -Version 5.7.1 (or Install-Module Pester), or set $env:FROSTGUARD_PESTER to the tools/Pester.psd1 of the Pester package from NuGet.");
        }
    }

    private static string[] Candidates()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FROSTGUARD_PESTER");
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "pester");
        var cached = Directory.Exists(cache)
            ? Directory.EnumerateDirectories(cache, "5.*")
                .Select(d => (Version: Version.TryParse(Path.GetFileName(d), out var v) ? v : null, Path: Path.Combine(d, "tools", "Pester.psd1")))
                .Where(c => c.Version is not null)
                .OrderByDescending(c => c.Version)
                .Select(c => c.Path)
            : [];
        return new[] { fromEnvironment }.Concat(cached).OfType<string>().ToArray();
    }
}
