using System.Management.Automation;
using FrostGuard.Engine.Runbooks;

namespace FrostGuard.Runbooks;

/// <summary>The engine's runbook checks as Test- and Invoke-FrostRunbook use them: with this session's PowerShell.</summary>
internal static class RunbookLint
{
    /// <summary>The linter for a session: its PowerShell parser and commands lint PowerShell steps and say which required commands exist.</summary>
    public static RunbookLinter For(PowerShellStepHost session) =>
        new([new PowerShellStepLinter(session.ResolveCommand)], name => session.ResolveCommand(name) is not null);

    /// <summary>The manifest the step runspaces import, so steps get the same FrostGuard as the caller.</summary>
    public static string ModulePath(PSCmdlet cmdlet)
    {
        var module = cmdlet.MyInvocation.MyCommand.Module;
        if (module is not null)
        {
            var manifest = System.IO.Path.Combine(module.ModuleBase, module.Name + ".psd1");
            return File.Exists(manifest) ? manifest : module.Path;
        }

        return typeof(RunbookLint).Assembly.Location;
    }
}
