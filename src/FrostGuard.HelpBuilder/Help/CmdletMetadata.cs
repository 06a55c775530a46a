namespace FrostGuard.HelpTool;

/// <summary>
/// What a cmdlet declares about itself, read by reflection over the cmdlet assembly (the help
/// builder does that; the engine has no PowerShell reference, so this is plain data).
/// </summary>
public sealed class CmdletMetadata
{
    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public string Name => $"{Verb}-{Noun}";
    public bool SupportsShouldProcess { get; init; }
    /// <summary>Low, Medium or High; Medium when the attribute leaves it out.</summary>
    public string ConfirmImpact { get; init; } = "Medium";
    public string? DefaultParameterSetName { get; init; }
    /// <summary>Full names of the [OutputType] types ("System.Void" for none).</summary>
    public required IReadOnlyList<string> OutputTypes { get; init; }
    /// <summary>In declaration order, the cmdlet's own before those of its base classes.</summary>
    public required IReadOnlyList<ParameterMetadata> Parameters { get; init; }

    /// <summary>The parameter sets, default first; "__AllParameterSets" when the cmdlet declares none.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.SetName)
                .Where(s => s != ParameterSetMetadata.AllSets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (named.Count == 0)
            {
                return [ParameterSetMetadata.AllSets];
            }

            return named.OrderBy(s => string.Equals(s, DefaultParameterSetName, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
        }
    }
}

/// <summary>One parameter: its type and what each of its [Parameter] attributes says.</summary>
public sealed class ParameterMetadata
{
    public required string Name { get; init; }
    /// <summary>The type as Get-Help shows it: String[], SwitchParameter, FrostBackup.</summary>
    public required string TypeName { get; init; }
    public required string TypeFullName { get; init; }
    public bool IsSwitch { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>[SupportsWildcards].</summary>
    public bool Globbing { get; init; }
    /// <summary>The values of a [ValidateSet] or an enum type.</summary>
    public IReadOnlyList<string> AllowedValues { get; init; } = [];
    public bool ValueFromRemainingArguments { get; init; }
    public required IReadOnlyList<ParameterSetMetadata> Sets { get; init; }

    public bool IsInSet(string set) => Sets.Any(s => s.SetName == ParameterSetMetadata.AllSets || string.Equals(s.SetName, set, StringComparison.OrdinalIgnoreCase));

    public ParameterSetMetadata? For(string set) =>
        Sets.FirstOrDefault(s => string.Equals(s.SetName, set, StringComparison.OrdinalIgnoreCase))
        ?? Sets.FirstOrDefault(s => s.SetName == ParameterSetMetadata.AllSets);
}

/// <summary>What one [Parameter] attribute says.</summary>
public sealed class ParameterSetMetadata
{
    public const string AllSets = "__AllParameterSets";

    public string SetName { get; init; } = AllSets;
    public bool Mandatory { get; init; }
    /// <summary>Null when the parameter is named only.</summary>
    public int? Position { get; init; }
    public bool ValueFromPipeline { get; init; }
    public bool ValueFromPipelineByPropertyName { get; init; }

    /// <summary>As MAML and Get-Help write it: False, True (ByValue), True (ByPropertyName), True (ByPropertyName, ByValue).</summary>
    public string PipelineInput => (ValueFromPipeline, ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByPropertyName, ByValue)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };
}
