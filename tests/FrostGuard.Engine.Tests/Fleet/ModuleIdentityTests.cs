using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class ModuleIdentityTests
{
    private static TempFolder Module()
    {
        var folder = new TempFolder();
        folder.Write("FrostGuard.psd1", "@{ ModuleVersion = '0.1.0' }");
        folder.Write("bin/FrostGuard.dll", "cmdlets");
        folder.Write("bin/dependencies/FrostGuard.Engine.dll", "engine");
        folder.Write("en-US/FrostGuard.dll-Help.xml", "<help/>");
        folder.Write("notes.txt", "not shipped");
        return folder;
    }

    [Fact]
    public void The_identity_is_the_version_and_a_hash_of_what_the_module_ships()
    {
        using var module = Module();
        var identity = ModuleIdentity.Of(module.Path, "0.1.0");
        Assert.Matches(@"^0\.1\.0\+[0-9a-f]{12}$", identity);
        Assert.True(ModuleIdentity.IsWellFormed(identity));

        // A file outside the shipped folders changes nothing; any shipped byte does.
        module.Write("notes.txt", "still not shipped");
        Assert.Equal(identity, ModuleIdentity.Of(module.Path, "0.1.0"));
        module.Write("bin/dependencies/FrostGuard.Engine.dll", "engine, rebuilt");
        Assert.NotEqual(identity, ModuleIdentity.Of(module.Path, "0.1.0"));
    }

    [Fact]
    public void A_renamed_file_is_another_build()
    {
        using var module = Module();
        var before = ModuleIdentity.Of(module.Path, "0.1.0");
        File.Move(Path.Combine(module.Path, "bin/FrostGuard.dll"), Path.Combine(module.Path, "bin/FrostGuard2.dll"));
        Assert.NotEqual(before, ModuleIdentity.Of(module.Path, "0.1.0"));
    }

    [Theory]
    [InlineData("0.1.0+3f2a9c0d1e4b", true)]
    [InlineData("1.2.3.4+3f2a9c0d1e4b", true)]
    [InlineData("../../etc+3f2a9c0d1e4b", false)]
    [InlineData("0.1.0", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_version_and_a_hash_can_name_a_build_folder(string? identity, bool wellFormed) =>
        Assert.Equal(wellFormed, ModuleIdentity.IsWellFormed(identity));
}
