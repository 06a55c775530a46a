using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;

namespace FrostGuard.Completion;

/// <summary>
/// Completes -Target (and Get-FrostHost -Name) with the roles and the host names of the fleet
/// inventory the command line names (-Inventory) or $env:FROSTGUARD_INVENTORY; read locally, no
/// host is contacted while typing.
/// </summary>
public sealed class FleetTargetCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = SessionPaths.Prefix(wordToComplete);
        var results = new List<CompletionResult>();
        if (parameterName.Equals("Target", StringComparison.OrdinalIgnoreCase))
        {
            results.AddRange(FleetInventory.KnownRoles
                .Where(r => r.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r, r, CompletionResultType.ParameterValue, $"Every host with the role {r}")));
        }

        try
        {
            var inventory = FleetInventory.Locate(fakeBoundParameters["Inventory"] as string, Environment.CurrentDirectory, Environment.GetEnvironmentVariable);
            results.AddRange(inventory.Hosts
                .Where(h => h.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(h => new CompletionResult(h.Name, h.Name, CompletionResultType.ParameterValue, $"{h.Name}: {h.User}@{h.Address}:{h.Port} ({string.Join(", ", h.Roles)})")));
        }
        catch (FrostException)
        {
            // No inventory, or one with a problem: only the roles complete; the command itself will say what is wrong.
        }

        return results;
    }
}
