using System.Xml.Linq;
using FrostGuard.HelpTool;

namespace FrostGuard.Engine.Tests.Help;

public sealed class HelpBuilderTests
{
    private static CmdletMetadata Thing(params ParameterMetadata[] extra) => new()
    {
        Verb = "Get",
        Noun = "Thing",
        SupportsShouldProcess = true,
        ConfirmImpact = "High",
        DefaultParameterSetName = "All",
        OutputTypes = ["FrostGuard.Thing"],
        Parameters =
        [
            new ParameterMetadata
            {
                Name = "Name", TypeName = "String[]", TypeFullName = "System.String[]", Globbing = true, Aliases = ["Service"],
                Sets = [new ParameterSetMetadata { SetName = "ByName", Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true }],
            },
            new ParameterMetadata
            {
                Name = "ConfigPath", TypeName = "String", TypeFullName = "System.String",
                Sets = [new ParameterSetMetadata()],
            },
            .. extra,
        ],
    };

    private static HelpPage Page(string markdown = HelpPageParserTests.GoodPage, string path = "docs/cmdlets/Get-Thing.md")
    {
        var problems = new List<HelpProblem>();
        var page = HelpPageParser.Parse(markdown, path, problems);
        Assert.Empty(problems);
        return page!;
    }

    [Fact]
    public void A_page_that_matches_the_cmdlet_has_no_problems()
    {
        using var folder = new TempFolder();
        folder.Write("Set-Thing.md", "");
        var page = Page(path: folder.Write("Get-Thing.md", HelpPageParserTests.GoodPage));
        var problems = new List<HelpProblem>();

        HelpBuilder.Check(Thing(), page, problems);

        Assert.Empty(problems);
    }

    [Fact]
    public void A_parameter_the_page_leaves_out_or_invents_and_a_wrong_output_type_are_problems()
    {
        using var folder = new TempFolder();
        var markdown = HelpPageParserTests.GoodPage
            .Replace("### -ConfigPath", "### -ConfigFile", StringComparison.Ordinal)
            .Replace("### FrostGuard.Thing", "### FrostGuard.Things", StringComparison.Ordinal);
        var page = Page(markdown, folder.Write("Get-Thing.md", markdown));
        var extra = new ParameterMetadata { Name = "Latest", TypeName = "SwitchParameter", TypeFullName = "System.Management.Automation.SwitchParameter", IsSwitch = true, Sets = [new ParameterSetMetadata { SetName = "All" }] };
        var problems = new List<HelpProblem>();

        HelpBuilder.Check(Thing(extra), page, problems);

        Assert.Contains(problems, p => p.Message.StartsWith("-ConfigPath is a parameter of Get-Thing (String) but has no '### -ConfigPath' section", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.StartsWith("-Latest is a parameter of Get-Thing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message == "Get-Thing has no parameter -ConfigFile; remove '### -ConfigFile'" && p.Line == 17);
        Assert.Contains(problems, p => p.Message.StartsWith("Get-Thing does not declare [OutputType] FrostGuard.Things", StringComparison.Ordinal) && p.Line == 34);
        Assert.Contains(problems, p => p.Message == "[OutputType] FrostGuard.Thing of Get-Thing has no '### FrostGuard.Thing' section under '## Outputs'");
        Assert.Contains(problems, p => p.Message.StartsWith("the related link 'Set-Thing.md' points to", StringComparison.Ordinal) && p.Line == 38);
    }

    [Fact]
    public void WhatIf_and_Confirm_on_the_page_are_a_problem_because_the_build_describes_them()
    {
        var markdown = HelpPageParserTests.GoodPage.Replace("### -ConfigPath", "### -WhatIf\nShows.\n\n### -ConfigPath", StringComparison.Ordinal);
        var problems = new List<HelpProblem>();

        HelpBuilder.Check(Thing(), Page(markdown), problems);

        Assert.Contains(problems, p => p.Message.StartsWith("-WhatIf and -Confirm are described by the build", StringComparison.Ordinal));
    }

    [Fact]
    public void The_maml_takes_prose_from_the_page_and_everything_declared_from_the_metadata()
    {
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        XNamespace maml = "http://schemas.microsoft.com/maml/2004/10";
        XNamespace dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        var xml = XDocument.Parse(MamlWriter.Write([(Thing(), Page())]));

        var cmdlet = Assert.Single(xml.Root!.Elements(command + "command"));
        Assert.Equal("Get-Thing", cmdlet.Element(command + "details")!.Element(command + "name")!.Value);
        Assert.Equal("Gets things.", cmdlet.Element(command + "details")!.Element(maml + "description")!.Element(maml + "para")!.Value);
        var name = cmdlet.Element(command + "parameters")!.Elements(command + "parameter").Single(p => p.Element(maml + "name")!.Value == "Name");
        Assert.Equal("true", (string?)name.Attribute("required"));
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("True (ByPropertyName, ByValue)", (string?)name.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)name.Attribute("globbing"));
        Assert.Equal("Service", (string?)name.Attribute("aliases"));
        Assert.Equal("String[]", name.Element(dev + "type")!.Element(maml + "name")!.Value);
        Assert.Equal("all", name.Element(dev + "defaultValue")!.Value);
        Assert.Equal("Thing names. Default: `all`.", name.Element(maml + "description")!.Element(maml + "para")!.Value);

        var names = cmdlet.Element(command + "parameters")!.Elements(command + "parameter").Select(p => p.Element(maml + "name")!.Value).ToList();
        Assert.Equal(["ConfigPath", "Confirm", "Name", "WhatIf"], names);
        var confirm = cmdlet.Element(command + "parameters")!.Elements(command + "parameter").Single(p => p.Element(maml + "name")!.Value == "Confirm");
        Assert.Contains("ConfirmImpact High", confirm.Element(maml + "description")!.Value, StringComparison.Ordinal);

        var syntax = Assert.Single(cmdlet.Element(command + "syntax")!.Elements(command + "syntaxItem"));
        Assert.Equal(["Name", "ConfigPath", "WhatIf", "Confirm"], syntax.Elements(command + "parameter").Select(p => p.Element(maml + "name")!.Value));

        var examples = cmdlet.Element(command + "examples")!.Elements(command + "example").ToList();
        Assert.Equal(["Get-Thing", "Get-Thing -Follow"], examples.Select(e => e.Element(dev + "code")!.Value));
        Assert.Contains("Example 1: Every thing", examples[0].Element(maml + "title")!.Value, StringComparison.Ordinal);
        Assert.Equal("System.String[]", cmdlet.Element(command + "inputTypes")!.Element(command + "inputType")!.Element(dev + "type")!.Element(maml + "name")!.Value);
        Assert.Equal("FrostGuard.Thing", cmdlet.Element(command + "returnValues")!.Element(command + "returnValue")!.Element(dev + "type")!.Element(maml + "name")!.Value);
        Assert.Equal(["Set-Thing", "Web"], cmdlet.Element(command + "relatedLinks")!.Elements(maml + "navigationLink").Select(l => l.Element(maml + "linkText")!.Value));
    }

    [Fact]
    public void A_cmdlet_without_a_page_and_a_page_without_a_cmdlet_fail_the_build_and_write_nothing()
    {
        using var folder = new TempFolder();
        folder.Write("cmdlets/Get-Other.md", HelpPageParserTests.GoodPage.Replace("Get-Thing", "Get-Other", StringComparison.Ordinal));
        var output = System.IO.Path.Combine(folder.Path, "en-US");

        var error = Assert.Throws<HelpPageException>(() => HelpBuilder.Build([Thing()], System.IO.Path.Combine(folder.Path, "cmdlets"), folder.Path, output));

        Assert.Contains(error.Problems, p => p.File.EndsWith("Get-Thing.md", StringComparison.Ordinal) && p.Message.StartsWith("Get-Thing has no help page", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.File.EndsWith("Get-Other.md", StringComparison.Ordinal) && p.Message.StartsWith("there is no cmdlet Get-Other", StringComparison.Ordinal));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_about_topic_becomes_wrapped_text_under_upper_case_headings()
    {
        var problems = new List<HelpProblem>();
        var words = string.Join(' ', Enumerable.Repeat("word", 30));

        var text = AboutTopicWriter.Convert($"# about_Thing\n\n## Short description\nWhat it is.\n\n## Long description\n{words}\n\n```powershell\nGet-Thing\n```\n", "docs/about_Thing.md", problems);

        Assert.Empty(problems);
        Assert.NotNull(text);
        var lines = text.Split('\n');
        Assert.Equal(["TOPIC", "    about_Thing", "", "SHORT DESCRIPTION", "    What it is.", "", "LONG DESCRIPTION"], lines[..7]);
        Assert.All(lines, l => Assert.True(l.Length <= 80, l));
        Assert.Contains("        Get-Thing", lines);
    }

    [Fact]
    public void An_about_topic_without_its_short_description_is_a_problem()
    {
        var problems = new List<HelpProblem>();

        var text = AboutTopicWriter.Convert("# about_Thing\n\n## Long description\nText.\n", "docs/about_Thing.md", problems);

        Assert.Null(text);
        Assert.Contains(problems, p => p.Line == 1 && p.Message.Contains("'## Short description'", StringComparison.Ordinal));
    }
}
