using System.Text.Json;

namespace FrostGuard.Runbooks;

/// <summary>
/// The Pester that .check blocks run in, as the linter knows it: Pester's public commands with
/// their parameters, and Should's operators. FrostGuard carries it (from the Pester it pins), so a
/// runbook lints the same whether or not Pester is installed where it is linted.
/// </summary>
internal sealed class PesterVocabulary
{
    private static readonly Lazy<PesterVocabulary> Shared = new(Load);

    private readonly Dictionary<string, HashSet<string>> _commands;

    private PesterVocabulary(string version, Dictionary<string, HashSet<string>> commands, IReadOnlyList<string> operators)
    {
        Version = version;
        _commands = commands;
        Operators = operators;
    }

    public static PesterVocabulary Instance => Shared.Value;

    /// <summary>The Pester version the vocabulary was read from.</summary>
    public string Version { get; }

    /// <summary>Should's operators and their aliases (Be, EQ, BeTrue, …).</summary>
    public IReadOnlyList<string> Operators { get; }

    /// <summary>The parameters (names and aliases) of a Pester command, or null when Pester has no such command.</summary>
    public IReadOnlySet<string>? ParametersOf(string command) => _commands.TryGetValue(command, out var parameters) ? parameters : null;

    private static PesterVocabulary Load()
    {
        using var stream = typeof(PesterVocabulary).Assembly.GetManifestResourceStream("FrostGuard.PesterVocabulary.json")
            ?? throw new InvalidOperationException("FrostGuard.dll lacks its Pester vocabulary resource.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var commands = root.GetProperty("commands").EnumerateObject().ToDictionary(
            c => c.Name,
            c => c.Value.EnumerateArray().Select(p => p.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
        var operators = root.GetProperty("operators").EnumerateArray()
            .SelectMany(o => o.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()!).Prepend(o.GetProperty("name").GetString()!))
            .ToList();
        return new PesterVocabulary(root.GetProperty("pester").GetString()!, commands, operators);
    }
}
