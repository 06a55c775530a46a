using System.Reflection;
using System.Text.RegularExpressions;
using FrostGuard.Engine;
using NetArchTest.Rules;

namespace FrostGuard.Engine.Tests;

/// <summary>
/// The engine's layers, checked on the compiled assembly (NetArchTest reads its IL): the
/// folder table of docs/architecture.md is the rule, and the platform's own order below it.
/// </summary>
public sealed partial class ArchitectureTests
{
    private const string Engine = "FrostGuard.Engine";
    private static readonly Assembly EngineAssembly = typeof(FrostException).Assembly;

    /// <summary>Inside the platform: sub-folder → what it may use (the session is the platform's root namespace).</summary>
    private static readonly Dictionary<string, string[]> PlatformOrder = new()
    {
        ["Platform.Os"] = [],
        ["Platform.Reporting"] = [],
        ["Platform.Files"] = ["Platform.Os"],
        ["Platform.Durability"] = ["Platform.Os", "Platform.Files"],
        ["Platform.Docker"] = ["Platform.Os", "Platform.Files", "Platform.Reporting", "Platform.Durability"],
        ["Platform.Database"] = ["Platform.Os", "Platform.Files", "Platform.Reporting", "Platform.Durability", "Platform.Docker"],
        ["Platform"] = ["Platform.Os", "Platform.Files", "Platform.Reporting", "Platform.Durability", "Platform.Docker", "Platform.Database"],
    };

    public static TheoryData<string> Folders() => new(FolderRules().Keys);

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_uses_only_what_its_row_in_the_architecture_table_allows(string folder)
    {
        var rules = FolderRules();
        var forbidden = rules.Keys.Where(other => other != folder && !rules[folder].Contains(other)).Select(f => $"{Engine}.{f}").ToArray();
        AssertNone(Violations(InNamespace(folder), forbidden));
    }

    [Theory]
    [MemberData(nameof(PlatformFolders))]
    public void A_platform_folder_uses_only_the_platform_folders_below_it(string folder)
    {
        var forbidden = PlatformOrder.Keys.Where(other => other != folder && !PlatformOrder[folder].Contains(other)).ToArray();
        var types = folder == "Platform" ? RootOf("Platform") : InNamespace(folder);
        // "Platform" as a forbidden name means the session's own namespace, not every platform folder.
        AssertNone(forbidden.SelectMany(f => f == "Platform" ? UsesOfRoot(types, "Platform") : Violations(types, [$"{Engine}.{f}"])));
    }

    public static TheoryData<string> PlatformFolders() => new(PlatformOrder.Keys);

    [Fact]
    public void Every_namespace_of_the_engine_has_a_row()
    {
        var rules = FolderRules();
        var homeless = EngineAssembly.GetTypes()
            .Select(t => t.Namespace ?? "")
            .Where(ns => ns.StartsWith(Engine + ".", StringComparison.Ordinal))
            .Select(ns => ns[(Engine.Length + 1)..].Split('.')[0])
            .Where(folder => !rules.ContainsKey(folder))
            .Distinct()
            .ToList();
        Assert.True(homeless.Count == 0, "Folders without a row in docs/architecture.md: " + string.Join(", ", homeless));
    }

    [Fact]
    public void The_root_namespace_holds_only_the_error_vocabulary_and_uses_no_folder()
    {
        var root = RootOf(null);
        Assert.Equal(["EngineComponents", "FailureKind", "FrostException"], root.GetTypes().Where(t => !t.IsNested && !t.Name.StartsWith('<')).Select(t => t.Name).Order(StringComparer.Ordinal));
        AssertNone(Violations(root, FolderRules().Keys.Select(f => $"{Engine}.{f}").ToArray()));
    }

    [Fact]
    public void The_table_has_no_cycle()
    {
        var rules = FolderRules();
        foreach (var start in rules.Keys)
        {
            var seen = new HashSet<string>();
            var next = new Stack<string>(rules[start]);
            while (next.TryPop(out var folder))
            {
                Assert.NotEqual(start, folder);
                if (seen.Add(folder) && rules.TryGetValue(folder, out var uses))
                {
                    foreach (var used in uses) { next.Push(used); }
                }
            }
        }
    }

    [Fact]
    public void The_engine_grants_its_internals_to_its_tests_only()
    {
        var friends = EngineAssembly.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName);
        Assert.Equal(["FrostGuard.Engine.Tests"], friends);
    }

    /// <summary>The table of docs/architecture.md: folder → the folders it may use.</summary>
    private static Dictionary<string, string[]> FolderRules()
    {
        var document = File.ReadAllLines(RepositoryPaths.Combine("docs/architecture.md"));
        var rows = document.SkipWhile(l => !l.StartsWith("| Folder |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'));
        var rules = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var cells = row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            rules[cells[0]] = cells[2] == "nothing" ? [] : cells[2].Split(',').Select(c => c.Trim()).ToArray();
        }

        Assert.True(rules.Count >= 9, "docs/architecture.md has no folder table");
        return rules;
    }

    private static PredicateList InNamespace(string folder) => Types.InAssembly(EngineAssembly).That().ResideInNamespace($"{Engine}.{folder}");

    /// <summary>The types of exactly this namespace (null: the engine's root), not of the folders below it.</summary>
    private static PredicateList RootOf(string? folder)
    {
        var name = folder is null ? Engine : $"{Engine}.{folder}";
        return Types.InAssembly(EngineAssembly).That().ResideInNamespaceMatching($"^{Regex.Escape(name)}$");
    }

    /// <summary>"type uses namespace-or-type", one line each.</summary>
    private static IEnumerable<string> Violations(PredicateList types, string[] forbidden) =>
        forbidden.SelectMany(f => (types.ShouldNot().HaveDependencyOn(f).GetResult().FailingTypeNames ?? []).Select(t => $"{t} uses {f}"));

    private static void AssertNone(IEnumerable<string> violations)
    {
        var list = violations.Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(list.Count == 0, "Forbidden by docs/architecture.md:\n" + string.Join("\n", list));
    }

    /// <summary>Types that use a type of exactly the namespace (not its sub-folders).</summary>
    private static IEnumerable<string> UsesOfRoot(PredicateList types, string folder)
    {
        var rootTypes = EngineAssembly.GetTypes().Where(t => t.Namespace == $"{Engine}.{folder}" && !t.IsNested && !t.Name.StartsWith('<')).Select(t => t.FullName!).ToArray();
        return Violations(types, rootTypes);
    }
}
