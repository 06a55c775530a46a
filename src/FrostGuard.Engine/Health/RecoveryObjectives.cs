using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Engine.Health;

/// <summary>One line of the manual's objectives table.</summary>
public sealed record RecoveryObjective(string Id, string Name, string Target, TimeSpan Limit);

/// <summary>
/// Reads the recovery objectives table (columns Id, Objective, Target) from
/// runbooks/disaster-recovery.md; the defaults stand where the manual has no table.
/// </summary>
public static partial class RecoveryObjectives
{
    public const string FileName = "disaster-recovery.md";

    /// <summary>The recovery point with continuous WAL archiving: measured as the archive's achieved recovery point.</summary>
    public const string ArchiveRpoId = "rpo-archive";

    public static readonly IReadOnlyList<RecoveryObjective> Defaults =
    [
        new("rpo", "Recovery point: age of the newest verified backup", "24 h", TimeSpan.FromHours(24)),
        new(ArchiveRpoId, "Recovery point with WAL archiving: committed work the archive has not received", "1 min", TimeSpan.FromMinutes(1)),
        new("database-restore", "Recovery time: database restore", "15–30 min", TimeSpan.FromMinutes(30)),
        new("full-recovery", "Recovery time: full system on a new server", "30–60 min", TimeSpan.FromMinutes(60)),
        new("rollback", "Rollback of a failed update", "5–10 min", TimeSpan.FromMinutes(10)),
    ];

    public static IReadOnlyList<RecoveryObjective> Parse(string markdown, string source)
    {
        // The manual's tables as the runbook engine keeps them: header and rows of plain cell text.
        foreach (var table in RunbookParser.Parse(markdown, source).Tables)
        {
            if (table.Header.Count < 3 || !table.Header[0].Equals("Id", StringComparison.OrdinalIgnoreCase)
                || !table.Header[2].Equals("Target", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return table.Rows.Where(r => r.Count >= 3).Select(r => new RecoveryObjective(r[0], r[1], r[2], Limit(r[2], r[0], source))).ToList();
        }

        throw new FrostException(ErrorIds.RecoveryObjectivesInvalid, FailureKind.InvalidData,
            $"{source} has no objectives table (a table whose columns start with Id, Objective, Target).", source,
            "Add the table (see runbooks/disaster-recovery.md in the FrostGuard repository), or fix its header.");
    }

    /// <summary>The upper bound of "24 h", "15–30 min", "90 s".</summary>
    public static TimeSpan Limit(string target, string id, string source)
    {
        var match = TargetPattern().Match(target);
        if (!match.Success)
        {
            throw new FrostException(ErrorIds.RecoveryObjectivesInvalid, FailureKind.InvalidData,
                $"{source}: the target '{target}' of objective '{id}' is not a duration like '24 h' or '15–30 min'.", source,
                $"Write the target of '{id}' as a number or a range with a unit: s, min or h.");
        }

        var value = double.Parse(match.Groups["high"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value switch
        {
            "s" => TimeSpan.FromSeconds(value),
            "min" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromHours(value),
        };
    }

    [GeneratedRegex(@"^\s*(?:\d+(?:\.\d+)?\s*[–-]\s*)?(?<high>\d+(?:\.\d+)?)\s*(?<unit>s|min|h)\s*$")]
    private static partial Regex TargetPattern();
}
