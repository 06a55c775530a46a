using FrostGuard.HelpTool;

namespace FrostGuard.Engine.Tests.Help;

/// <summary>The real cmdlet assembly and the real pages of docs/cmdlets.</summary>
public sealed class ModuleHelpTests
{
    private static readonly IReadOnlyList<CmdletMetadata> Cmdlets =
        CmdletReflector.Read(Path.Combine(AppContext.BaseDirectory, "FrostGuard.dll"), [AppContext.BaseDirectory]);

    [Fact]
    public void Reflection_reads_sets_positions_pipeline_input_and_wildcards_of_a_real_cmdlet()
    {
        var cmdlet = Cmdlets.Single(c => c.Name == "Get-FrostBackup");

        Assert.Equal(["All", "Id"], cmdlet.ParameterSets);
        var id = cmdlet.Parameters.Single(p => p.Name == "Id");
        Assert.Equal("String[]", id.TypeName);
        var set = Assert.Single(id.Sets);
        Assert.Equal(("Id", 0, false, true), (set.SetName, set.Position, set.ValueFromPipeline, set.ValueFromPipelineByPropertyName));
        Assert.True(id.Globbing);
        Assert.Equal("DateTime", cmdlet.Parameters.Single(p => p.Name == "Since").TypeName);
        Assert.True(cmdlet.Parameters.Single(p => p.Name == "Latest").IsSwitch);
        Assert.Equal(["FrostGuard.FrostBackup"], cmdlet.OutputTypes);
        Assert.False(cmdlet.SupportsShouldProcess);
    }

    [Fact]
    public void Reflection_sees_inherited_parameters_confirm_impact_enums_and_void_output()
    {
        var restart = Cmdlets.Single(c => c.Name == "Restart-FrostService");
        Assert.Equal(["GracePeriodSeconds", "TimeoutSeconds", "Name", "PassThru", "ConfigPath"], restart.Parameters.Select(p => p.Name));
        Assert.Equal(["Service"], restart.Parameters.Single(p => p.Name == "Name").Aliases);

        var backup = Cmdlets.Single(c => c.Name == "Invoke-FrostBackup");
        Assert.True(backup.SupportsShouldProcess);
        Assert.Equal(["Zstd", "Gzip", "None"], backup.Parameters.Single(p => p.Name == "Compression").AllowedValues);

        var remove = Cmdlets.Single(c => c.Name == "Remove-FrostBackup");
        Assert.Equal("High", remove.ConfirmImpact);
        Assert.Equal(["System.Void"], remove.OutputTypes);

        var command = Cmdlets.Single(c => c.Name == "Invoke-FrostServiceCommand");
        Assert.True(command.Parameters.Single(p => p.Name == "ArgumentList").ValueFromRemainingArguments);
        Assert.Equal(["System.String", "FrostGuard.FrostServiceCommandResult"], command.OutputTypes);
    }

    [Fact]
    public void Every_page_in_docs_cmdlets_matches_its_cmdlet_and_builds()
    {
        var root = RepositoryPaths.Root;
        using var output = new TempFolder();

        var written = HelpBuilder.Build(Cmdlets, Path.Combine(root, "docs", "cmdlets"), Path.Combine(root, "docs"), output.Path);

        Assert.Contains(written, f => f.EndsWith(HelpBuilder.MamlFileName, StringComparison.Ordinal));
        Assert.Contains(written, f => f.EndsWith("about_FrostGuard.help.txt", StringComparison.Ordinal));
        Assert.Contains(written, f => f.EndsWith("about_FrostGuard_Runbooks.help.txt", StringComparison.Ordinal));
    }
}
