using FrostGuard.Runbooks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>
/// The optional YAML front matter: id, title, summary, parameters, requires, tags. Keys FrostGuard
/// does not know (Hugo's weight, date, …) are kept out with a warning, never an error.
/// </summary>
internal sealed record FrontMatter(
    string? Id, string? Title, string? Summary,
    IReadOnlyList<RunbookParameter> Parameters, IReadOnlyList<string> Requires, IReadOnlyList<string> Tags)
{
    public static readonly FrontMatter Empty = new(null, null, null, [], [], []);

    private static readonly string[] Known = ["id", "title", "summary", "parameters", "requires", "tags"];
    private static readonly string[] ParameterKeys = ["name", "description", "type", "default", "required", "secret", "allowed"];
    private static readonly string[] ParameterTypes = ["string", "int", "bool", "duration", "path"];

    /// <param name="yaml">The front matter's text without the --- lines.</param>
    /// <param name="firstLine">1-based file line of the first YAML line.</param>
    public static FrontMatter Parse(string yaml, int firstLine, FindingSink findings)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            findings.Error(firstLine + (int)e.Start.Line - 1, (int)e.Start.Column, RuleIds.InvalidFrontMatter, $"The front matter is not valid YAML: {e.Message}");
            return Empty;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return Empty;
        }

        string? id = null, title = null, summary = null;
        var parameters = new List<RunbookParameter>();
        var requires = new List<string>();
        var tags = new List<string>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((keyNode as YamlScalarNode)?.Value ?? "").Trim();
            var line = firstLine + (int)keyNode.Start.Line - 1;
            switch (key)
            {
                case "id": id = Scalar(value); break;
                case "title": title = Scalar(value); break;
                case "summary": summary = Scalar(value); break;
                case "requires": requires.AddRange(List(value)); break;
                case "tags": tags.AddRange(List(value)); break;
                case "parameters": parameters.AddRange(ReadParameters(value, firstLine, findings)); break;
                default:
                    findings.Warning(line, (int)keyNode.Start.Column, RuleIds.InvalidFrontMatter,
                        $"Front matter key '{key}' is not one FrostGuard reads ({string.Join(", ", Known)}); it is ignored.");
                    break;
            }
        }

        return new FrontMatter(id, title, summary, parameters, requires, tags);
    }

    private static IEnumerable<RunbookParameter> ReadParameters(YamlNode node, int firstLine, FindingSink findings)
    {
        if (node is not YamlSequenceNode sequence)
        {
            findings.Error(firstLine + (int)node.Start.Line - 1, (int)node.Start.Column, RuleIds.InvalidFrontMatter, "'parameters' must be a list of parameters (- name: …).");
            yield break;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in sequence)
        {
            var line = firstLine + (int)item.Start.Line - 1;
            if (item is not YamlMappingNode map)
            {
                findings.Error(line, (int)item.Start.Column, RuleIds.InvalidFrontMatter, "A parameter must be a mapping with at least 'name'.");
                continue;
            }

            var values = map.Children.ToDictionary(p => ((p.Key as YamlScalarNode)?.Value ?? "").Trim(), p => p.Value, StringComparer.Ordinal);
            foreach (var unknown in values.Keys.Where(k => !ParameterKeys.Contains(k)))
            {
                findings.Error(line, (int)item.Start.Column, RuleIds.InvalidFrontMatter, $"Unknown parameter key '{unknown}'. Known: {string.Join(", ", ParameterKeys)}.");
            }

            var name = values.TryGetValue("name", out var n) ? Scalar(n) : null;
            if (string.IsNullOrWhiteSpace(name) || !StepAttributeReader.IsIdentifier(name) || name.Contains('-') || name.Contains('.'))
            {
                findings.Error(line, (int)item.Start.Column, RuleIds.InvalidFrontMatter, $"Parameter name '{name}' must be a variable name (letters, digits, '_').");
                continue;
            }

            if (!names.Add(name))
            {
                findings.Error(line, (int)item.Start.Column, RuleIds.InvalidFrontMatter, $"Parameter '{name}' is declared twice.");
                continue;
            }

            var type = values.TryGetValue("type", out var t) ? Scalar(t) ?? "string" : "string";
            if (!ParameterTypes.Contains(type))
            {
                findings.Error(line, (int)item.Start.Column, RuleIds.InvalidFrontMatter, $"Parameter '{name}' has type '{type}'; use one of {string.Join(", ", ParameterTypes)}.");
            }

            yield return new RunbookParameter
            {
                Name = name,
                Description = values.TryGetValue("description", out var d) ? Scalar(d) : null,
                Type = type,
                Default = values.TryGetValue("default", out var def) ? Scalar(def) : null,
                Required = values.TryGetValue("required", out var r) && bool.TryParse(Scalar(r), out var required) && required,
                Secret = values.TryGetValue("secret", out var s) && bool.TryParse(Scalar(s), out var secret) && secret,
                AllowedValues = values.TryGetValue("allowed", out var a) ? List(a) : [],
            };
        }
    }

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    private static IReadOnlyList<string> List(YamlNode node) => node switch
    {
        YamlSequenceNode sequence => sequence.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Where(v => v.Length > 0).ToList(),
        YamlScalarNode { Value: { Length: > 0 } single } => [single],
        _ => [],
    };
}
