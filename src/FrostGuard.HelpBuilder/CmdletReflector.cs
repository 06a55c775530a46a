using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FrostGuard.HelpTool;

/// <summary>
/// Reads what every cmdlet in an assembly declares — [Cmdlet], [OutputType], each [Parameter]
/// with its sets, [Alias], [SupportsWildcards], [ValidateSet], enum values — as metadata only
/// (MetadataLoadContext): the assembly is inspected, never run, so no PowerShell is needed.
/// </summary>
public static class CmdletReflector
{
    private const string Sma = "System.Management.Automation.";

    /// <param name="assemblyPath">The cmdlet assembly (bin/FrostGuard.dll).</param>
    /// <param name="referenceFolders">Folders holding the assemblies it references (its own folder, bin/dependencies).</param>
    public static IReadOnlyList<CmdletMetadata> Read(string assemblyPath, IEnumerable<string> referenceFolders)
    {
        var full = Path.GetFullPath(assemblyPath);
        var references = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // Later folders win: the runtime's own assemblies first, then the module's, then ours.
        var folders = new[] { RuntimeEnvironment.GetRuntimeDirectory() }
            .Concat(referenceFolders)
            .Append(Path.GetDirectoryName(full)!)
            .Append(Path.Combine(AppContext.BaseDirectory, "reference"));
        foreach (var folder in folders.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.dll"))
            {
                references[Path.GetFileName(file)] = file;
            }
        }

        references[Path.GetFileName(full)] = full;
        using var context = new MetadataLoadContext(new PathAssemblyResolver(references.Values));
        var assembly = context.LoadFromAssemblyPath(full);
        return assembly.GetTypes()
            .Where(t => t is { IsPublic: true, IsAbstract: false, IsClass: true })
            .Select(t => (Type: t, Cmdlet: Attribute(t.GetCustomAttributesData(), "CmdletAttribute")))
            .Where(x => x.Cmdlet is not null)
            .Select(x => Describe(x.Type, x.Cmdlet!))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static CmdletMetadata Describe(Type type, CustomAttributeData cmdlet)
    {
        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
            .SelectMany(a => Values(a.ConstructorArguments[0]))
            .Select(v => v switch { Type t => t.FullName!, _ => v?.ToString() ?? "" })
            .Distinct()
            .ToList();

        var parameters = new List<ParameterMetadata>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributesData();
            var sets = attributes.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").Select(Set).ToList();
            if (sets.Count == 0 || parameters.Any(p => p.Name == property.Name))
            {
                continue;
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? UnderlyingNullable(property.PropertyType);
            var element = propertyType.IsArray ? propertyType.GetElementType()! : propertyType;
            var validateSet = Attribute(attributes, "ValidateSetAttribute");
            parameters.Add(new ParameterMetadata
            {
                Name = property.Name,
                TypeName = ShortName(propertyType),
                TypeFullName = propertyType.FullName ?? propertyType.Name,
                IsSwitch = propertyType.FullName == Sma + "SwitchParameter",
                Aliases = Attribute(attributes, "AliasAttribute") is { } alias ? Values(alias.ConstructorArguments[0]).Select(v => v!.ToString()!).ToList() : [],
                Globbing = Attribute(attributes, "SupportsWildcardsAttribute") is not null,
                AllowedValues = validateSet is not null
                    ? Values(validateSet.ConstructorArguments[0]).Select(v => v!.ToString()!).ToList()
                    : element.IsEnum ? element.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToList() : [],
                ValueFromRemainingArguments = sets.Any(s => s.Remaining),
                Sets = sets.Select(s => s.Set).ToList(),
            });
        }

        string? Named(string name) => NamedValue(cmdlet, name)?.ToString();
        return new CmdletMetadata
        {
            Verb = (string)cmdlet.ConstructorArguments[0].Value!,
            Noun = (string)cmdlet.ConstructorArguments[1].Value!,
            SupportsShouldProcess = Named("SupportsShouldProcess") == "True",
            // ConfirmImpact is stored as its number: None 0, Low 1, Medium 2, High 3.
            ConfirmImpact = Named("ConfirmImpact") switch { "0" => "None", "1" => "Low", "3" => "High", _ => "Medium" },
            DefaultParameterSetName = Named("DefaultParameterSetName"),
            OutputTypes = outputs,
            Parameters = parameters,
        };
    }

    private static (ParameterSetMetadata Set, bool Remaining) Set(CustomAttributeData parameter)
    {
        object? Named(string name) => NamedValue(parameter, name);
        var position = Named("Position") is int p && p != int.MinValue ? p : (int?)null;
        return (new ParameterSetMetadata
        {
            SetName = Named("ParameterSetName") as string ?? ParameterSetMetadata.AllSets,
            Mandatory = Named("Mandatory") is true,
            Position = position,
            ValueFromPipeline = Named("ValueFromPipeline") is true,
            ValueFromPipelineByPropertyName = Named("ValueFromPipelineByPropertyName") is true,
        }, Named("ValueFromRemainingArguments") is true);
    }

    private static object? NamedValue(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return argument.TypedValue.Value;
            }
        }

        return null;
    }

    private static CustomAttributeData? Attribute(IEnumerable<CustomAttributeData> attributes, string name) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == Sma + name);

    /// <summary>A params-array constructor argument's values (types for typeof, strings otherwise).</summary>
    private static IEnumerable<object?> Values(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [argument.Value];

    /// <summary>Nullable&lt;T&gt; from another load context: Nullable.GetUnderlyingType only knows the runtime's own.</summary>
    private static Type UnderlyingNullable(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;

    /// <summary>The name Get-Help shows: String[], Hashtable, FrostBackup.</summary>
    private static string ShortName(Type type) => type.IsArray ? ShortName(type.GetElementType()!) + "[]" : type.Name;
}
