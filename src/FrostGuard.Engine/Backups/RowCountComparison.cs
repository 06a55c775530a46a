namespace FrostGuard.Engine.Backups;

/// <summary>Compares the row counts a manifest recorded with those counted after a restore.</summary>
public static class RowCountComparison
{
    public static IReadOnlyList<string> Differences(IReadOnlyList<TableRowCount> expected, IReadOnlyList<TableRowCount> actual)
    {
        var found = actual.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var table in expected)
        {
            if (!found.Remove(table.QualifiedName, out var rows))
            {
                differences.Add($"{table.QualifiedName} missing (expected {table.Rows} rows)");
            }
            else if (rows != table.Rows)
            {
                differences.Add($"{table.QualifiedName} has {rows} rows, expected {table.Rows}");
            }
        }

        differences.AddRange(found.Select(extra => $"{extra.Key} not in the backup ({extra.Value} rows)"));
        return differences;
    }
}
