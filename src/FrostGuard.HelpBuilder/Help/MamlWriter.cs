using System.Text;
using System.Xml;

namespace FrostGuard.HelpTool;

/// <summary>
/// Writes the MAML file Get-Help reads for a binary module (en-US/&lt;Assembly&gt;.dll-Help.xml):
/// prose from the pages, and everything a cmdlet declares (parameter types, sets, positions,
/// mandatory, pipeline input, aliases, wildcards, allowed values, -WhatIf/-Confirm, input and
/// output types) from its metadata, so help cannot drift from the code.
/// </summary>
public static class MamlWriter
{
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly string[] ShouldProcessParameters = ["WhatIf", "Confirm"];

    public static string Write(IEnumerable<(CmdletMetadata Cmdlet, HelpPage Page)> commands)
    {
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false) };
        using (var xml = XmlWriter.Create(new StringWriter(text), settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("helpItems", "http://msh");
            xml.WriteAttributeString("schema", "maml");
            foreach (var (cmdlet, page) in commands.OrderBy(c => c.Cmdlet.Name, StringComparer.Ordinal))
            {
                WriteCommand(xml, cmdlet, page);
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        // StringWriter says utf-16 in the declaration; the file is written as UTF-8.
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal) + "\n";
    }

    private static void WriteCommand(XmlWriter xml, CmdletMetadata cmdlet, HelpPage page)
    {
        xml.WriteStartElement("command", "command", Command);
        xml.WriteAttributeString("xmlns", "maml", null, Maml);
        xml.WriteAttributeString("xmlns", "dev", null, Dev);

        xml.WriteStartElement("details", Command);
        xml.WriteElementString("name", Command, cmdlet.Name);
        xml.WriteElementString("verb", Command, cmdlet.Verb);
        xml.WriteElementString("noun", Command, cmdlet.Noun);
        Description(xml, page.Synopsis.Paragraphs);
        xml.WriteEndElement();

        Description(xml, page.Description.Paragraphs);

        var texts = page.Parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var parameters = Documented(cmdlet);

        xml.WriteStartElement("syntax", Command);
        foreach (var set in cmdlet.ParameterSets)
        {
            xml.WriteStartElement("syntaxItem", Command);
            xml.WriteElementString("name", Maml, cmdlet.Name);
            foreach (var parameter in Ordered(parameters.Where(p => p.IsInSet(set)), set))
            {
                WriteParameter(xml, parameter, parameter.For(set)!, texts, cmdlet);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("parameters", Command);
        foreach (var parameter in parameters.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            // One entry per parameter: mandatory if it is in any set, the position of the first set that has one.
            var combined = new ParameterSetMetadata
            {
                Mandatory = parameter.Sets.Any(s => s.Mandatory),
                Position = parameter.Sets.Select(s => s.Position).FirstOrDefault(p => p is not null),
                ValueFromPipeline = parameter.Sets.Any(s => s.ValueFromPipeline),
                ValueFromPipelineByPropertyName = parameter.Sets.Any(s => s.ValueFromPipelineByPropertyName),
            };
            WriteParameter(xml, parameter, combined, texts, cmdlet);
        }

        xml.WriteEndElement();

        xml.WriteStartElement("inputTypes", Command);
        var inputs = parameters.Where(p => p.Sets.Any(s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName)).ToList();
        if (inputs.Count == 0)
        {
            TypeEntry(xml, "inputType", "None", ["This cmdlet takes no input from the pipeline."]);
        }

        foreach (var group in inputs.GroupBy(p => p.TypeFullName))
        {
            var how = group.Select(p => $"-{p.Name} binds it {(p.Sets.Any(s => s.ValueFromPipeline) ? "by value" : "")}{(p.Sets.Any(s => s.ValueFromPipeline) && p.Sets.Any(s => s.ValueFromPipelineByPropertyName) ? " and " : "")}{(p.Sets.Any(s => s.ValueFromPipelineByPropertyName) ? "by property name" : "")}.");
            TypeEntry(xml, "inputType", group.Key, how.ToList());
        }

        xml.WriteEndElement();

        xml.WriteStartElement("returnValues", Command);
        foreach (var output in page.Outputs)
        {
            TypeEntry(xml, "returnValue", output.TypeName, output.Text.Paragraphs);
        }

        xml.WriteEndElement();

        if (page.Notes is { } notes)
        {
            xml.WriteStartElement("alertSet", Maml);
            xml.WriteStartElement("alert", Maml);
            Paragraphs(xml, notes.Paragraphs);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteStartElement("examples", Command);
        foreach (var example in page.Examples)
        {
            xml.WriteStartElement("example", Command);
            xml.WriteElementString("title", Maml, $"-------------------------- Example {example.Number}: {example.Title} --------------------------");
            xml.WriteElementString("code", Dev, example.Code);
            xml.WriteStartElement("remarks", Dev);
            // The empty paragraph leaves a blank line before the next example's title.
            Paragraphs(xml, [.. example.Remarks.Paragraphs, ""]);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("relatedLinks", Command);
        foreach (var link in page.RelatedLinks)
        {
            xml.WriteStartElement("navigationLink", Maml);
            xml.WriteElementString("linkText", Maml, link.Text);
            xml.WriteElementString("uri", Maml, MarkdownProse.IsWebAddress(link.Uri) ? link.Uri : "");
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>The cmdlet's parameters plus -WhatIf and -Confirm when it supports ShouldProcess.</summary>
    internal static List<ParameterMetadata> Documented(CmdletMetadata cmdlet)
    {
        var parameters = cmdlet.Parameters.ToList();
        if (cmdlet.SupportsShouldProcess)
        {
            parameters.AddRange(ShouldProcessParameters.Select(name => new ParameterMetadata
            {
                Name = name,
                TypeName = "SwitchParameter",
                TypeFullName = "System.Management.Automation.SwitchParameter",
                IsSwitch = true,
                Aliases = name == "WhatIf" ? ["wi"] : ["cf"],
                Sets = [new ParameterSetMetadata()],
            }));
        }

        return parameters;
    }

    /// <summary>Positional parameters by position, then mandatory ones, then the rest as declared.</summary>
    private static IEnumerable<ParameterMetadata> Ordered(IEnumerable<ParameterMetadata> parameters, string set) =>
        parameters.Select((p, i) => (p, i))
            .OrderBy(x => x.p.For(set)!.Position ?? int.MaxValue)
            .ThenBy(x => x.p.For(set)!.Mandatory ? 0 : 1)
            .ThenBy(x => x.i)
            .Select(x => x.p);

    private static void WriteParameter(XmlWriter xml, ParameterMetadata parameter, ParameterSetMetadata set,
        Dictionary<string, HelpParameterText> texts, CmdletMetadata cmdlet)
    {
        xml.WriteStartElement("parameter", Command);
        xml.WriteAttributeString("required", set.Mandatory ? "true" : "false");
        xml.WriteAttributeString("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        xml.WriteAttributeString("globbing", parameter.Globbing ? "true" : "false");
        xml.WriteAttributeString("pipelineInput", set.PipelineInput);
        xml.WriteAttributeString("position", set.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named");
        xml.WriteAttributeString("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none");
        xml.WriteElementString("name", Maml, parameter.Name);
        Description(xml, ParameterText(parameter, texts, cmdlet));
        if (parameter.AllowedValues.Count > 0)
        {
            xml.WriteStartElement("parameterValueGroup", Command);
            foreach (var value in parameter.AllowedValues)
            {
                xml.WriteStartElement("parameterValue", Command);
                xml.WriteAttributeString("required", "false");
                xml.WriteAttributeString("variableLength", "false");
                xml.WriteString(value);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        if (!parameter.IsSwitch)
        {
            xml.WriteStartElement("parameterValue", Command);
            xml.WriteAttributeString("required", "true");
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteString(parameter.TypeName);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("type", Dev);
        xml.WriteElementString("name", Maml, parameter.TypeName);
        xml.WriteElementString("uri", Maml, "");
        xml.WriteEndElement();
        var defaultValue = parameter.IsSwitch ? "False" : texts.GetValueOrDefault(parameter.Name)?.DefaultValue ?? "None";
        xml.WriteElementString("defaultValue", Dev, defaultValue);
        xml.WriteEndElement();
    }

    private static IReadOnlyList<string> ParameterText(ParameterMetadata parameter, Dictionary<string, HelpParameterText> texts, CmdletMetadata cmdlet)
    {
        if (texts.TryGetValue(parameter.Name, out var text))
        {
            return text.Text.Paragraphs;
        }

        return parameter.Name switch
        {
            "WhatIf" => [$"Shows what {cmdlet.Name} would do without doing it."],
            "Confirm" => [cmdlet.ConfirmImpact == "High"
                ? $"Asks for confirmation before {cmdlet.Name} acts. It asks by default (ConfirmImpact High); -Confirm:$false skips the question."
                : $"Asks for confirmation before {cmdlet.Name} acts."],
            _ => [],
        };
    }

    private static void TypeEntry(XmlWriter xml, string element, string typeName, IReadOnlyList<string> paragraphs)
    {
        xml.WriteStartElement(element, Command);
        xml.WriteStartElement("type", Dev);
        xml.WriteElementString("name", Maml, typeName);
        xml.WriteEndElement();
        Description(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void Description(XmlWriter xml, IReadOnlyList<string> paragraphs)
    {
        xml.WriteStartElement("description", Maml);
        Paragraphs(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void Paragraphs(XmlWriter xml, IReadOnlyList<string> paragraphs)
    {
        foreach (var paragraph in paragraphs)
        {
            xml.WriteElementString("para", Maml, paragraph);
        }
    }
}
