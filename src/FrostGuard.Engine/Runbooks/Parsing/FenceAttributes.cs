using System.Text.Json;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>
/// What a fence's info string says: the language, and the attributes from Markdig's generic
/// attributes (<c>{#id .class key=value}</c>) or Runme's JSON form (<c>{"name":"x"}</c>, which
/// Markdig leaves as raw arguments). Reports what Markdig silently ignores or drops.
/// </summary>
internal sealed record FenceAttributes(
    string Language,
    string? Id,
    IReadOnlyList<string> Classes,
    IReadOnlyDictionary<string, string> Properties,
    bool IsRunmeJson)
{
    public bool HasClass(string name)
    {
        // A loop, not LINQ: asked up to seven times for every step.
        for (var i = 0; i < Classes.Count; i++)
        {
            if (string.Equals(Classes[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static FenceAttributes Read(FencedCodeBlock block, string rawLine, FindingSink findings)
    {
        var language = (block.Info ?? "").Trim();
        var attributes = block.TryGetAttributes();
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var classes = new List<string>();
        string? id = null;
        var isRunmeJson = false;
        var column = rawLine.Length - rawLine.TrimStart().Length + 1;

        if (attributes is not null)
        {
            id = attributes.Id;
            // Markdig adds language-<info> for the HTML renderer; it is not the author's.
            foreach (var cls in attributes.Classes ?? [])
            {
                if (!cls.StartsWith("language-", StringComparison.Ordinal))
                {
                    classes.Add(cls);
                }
            }

            foreach (var (key, value) in attributes.Properties ?? [])
            {
                properties[key] = value ?? "";
            }

            var close = rawLine.LastIndexOf('}');
            var trailing = close >= 0 ? rawLine[(close + 1)..].Trim() : "";
            if (trailing.Length > 0)
            {
                findings.Error(block.Line + 1, close + 2, RuleIds.TextAfterAttributes,
                    $"Markdig drops the text after the attribute block: '{trailing}'. Move it inside the braces or remove it.");
            }
        }

        var arguments = (block.Arguments ?? "").Trim();
        if (arguments.StartsWith('{'))
        {
            if (TryReadRunmeJson(arguments, properties))
            {
                isRunmeJson = true;
            }
            else
            {
                findings.Error(block.Line + 1, column + rawLine.TrimStart().IndexOf('{'), RuleIds.IgnoredAttributeBlock,
                    $"Markdig ignored the attribute block '{arguments}': the braces are malformed, or an id or class has a single letter (Markdig ignores such a block whole). Use ids and classes of two or more characters.");
            }
        }
        else if (arguments.Length > 0 && attributes is null)
        {
            // "```bash title" and the like: not attributes, only noise Markdig keeps aside.
            findings.Warning(block.Line + 1, column, RuleIds.IgnoredAttributeBlock,
                $"The fence's text after the language ('{arguments}') is not an attribute block and is ignored.");
        }

        return new FenceAttributes(language, id, classes, properties, isRunmeJson);
    }

    private static bool TryReadRunmeJson(string text, Dictionary<string, string> properties)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in json.RootElement.EnumerateObject())
            {
                properties[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString() ?? ""
                    : property.Value.GetRawText();
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
