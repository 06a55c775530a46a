using System.Management.Automation;

namespace FrostGuard.Hosting;

/// <summary>
/// Resolves -Name (wildcards allowed) against the project's containers, writing ServiceNotFound
/// for a literal name the project does not have, like Get-FrostService.
/// </summary>
internal static class ServiceSelection
{
    public static List<FrostService> Select(PSCmdlet cmdlet, IReadOnlyList<FrostService> services, IEnumerable<string> names, string project)
    {
        var selected = new List<FrostService>();
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = services.Where(s => pattern.IsMatch(s.Service)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                var known = string.Join(", ", services.Select(s => s.Service).Distinct());
                cmdlet.WriteError(FrostErrors.Create(
                    new ItemNotFoundException($"Project {project} has no service '{name}'. Its services: {(known.Length > 0 ? known : "none (is the project up?)")}."),
                    ErrorIds.ServiceNotFound, ErrorCategory.ObjectNotFound, name,
                    "Run Get-FrostService without -Name to list the services."));
                continue;
            }

            selected.AddRange(matches.Where(m => !selected.Any(s => s.ContainerId == m.ContainerId)));
        }

        return selected;
    }
}
