using System.Reflection;
using FrostGuard.Engine.Platform.Durability;

namespace FrostGuard.Engine.Tests.Platform.Durability;

/// <summary>
/// The crash-point registry is the one list: every point defined is in it, reached by the code,
/// and documented with what it syncs; without the test variable a point does nothing.
/// </summary>
public sealed class CrashPointTests
{
    private static IReadOnlyList<(string Field, CrashPoint Point)> Defined() =>
        typeof(CrashPoints).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(CrashPoint))
            .Select(f => (f.Name, (CrashPoint)f.GetValue(null)!))
            .ToList();

    [Fact]
    public void Every_point_defined_is_in_the_registry_once()
    {
        Assert.Equal(Defined().Select(d => d.Point.Name).Order(), CrashPoints.All.Select(p => p.Name).Order());
        Assert.Equal(CrashPoints.All.Count, CrashPoints.All.Select(p => p.Name).Distinct().Count());
        Assert.True(CrashPoints.All.Count >= 20, $"only {CrashPoints.All.Count} points");
    }

    [Fact]
    public void Every_point_is_reached_by_the_engine()
    {
        var source = Directory.EnumerateFiles(RepositoryPaths.Combine("src", "FrostGuard.Engine"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj") && Path.GetFileName(p) != "CrashPoints.cs")
            .Select(File.ReadAllText)
            .ToList();

        var unreached = Defined().Where(d => !source.Any(s => s.Contains("CrashPoints." + d.Field + ")", StringComparison.Ordinal)
                                                            || s.Contains("CrashPoints." + d.Field + ",", StringComparison.Ordinal)))
            .Select(d => d.Point.Name);

        Assert.Empty(unreached);
    }

    [Fact]
    public void Docs_security_lists_every_point_with_what_it_syncs_and_no_other()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("docs", "security.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| Point | Command |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/security.md has no crash-point table");
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();

        Assert.Equal(CrashPoints.All.Select(p => $"| `{p.Name}` | `{p.Command}` | {p.Synced} | {p.Outcome} |"), rows);
    }

    [Fact]
    public void Without_the_variable_a_point_returns_at_once()
    {
        Assert.NotEqual(CrashPoints.BackupDumped.Name, Environment.GetEnvironmentVariable(CrashPoints.Variable));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        CrashPoints.Reach(CrashPoints.BackupDumped);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
