using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Tests.Configuration;

public sealed class ConfigLocatorTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _environment = new();

    public void Dispose() => _folder.Dispose();

    private ConfigLocator Locator(string? systemPath = null) =>
        new(name => _environment.TryGetValue(name, out var v) ? v : null, systemPath ?? Path.Combine(_folder.Path, "etc", "frostguard.json"));

    [Fact]
    public void ExplicitPathWinsOverEverythingElse()
    {
        var explicitFile = _folder.Write("explicit.json", "{}");
        _environment[ConfigLocator.ConfigVariable] = _folder.Write("env.json", "{}");
        _folder.Write("frostguard.json", "{}");

        Assert.Equal(explicitFile, Locator().Locate("explicit.json", _folder.Path));
    }

    [Fact]
    public void EnvironmentVariableWinsOverWorkingDirectoryAndSystemFile()
    {
        var fromEnvironment = _folder.Write("env.json", "{}");
        _environment[ConfigLocator.ConfigVariable] = fromEnvironment;
        _folder.Write("frostguard.json", "{}");
        var system = _folder.Write("etc/frostguard.json", "{}");

        Assert.Equal(fromEnvironment, Locator(system).Locate(null, _folder.Path));
    }

    [Fact]
    public void WorkingDirectoryFileWinsOverSystemFile()
    {
        var local = _folder.Write("frostguard.json", "{}");
        var system = _folder.Write("etc/frostguard.json", "{}");

        Assert.Equal(local, Locator(system).Locate(null, _folder.Path));
    }

    [Fact]
    public void SystemFileIsTheLastResort()
    {
        var system = _folder.Write("etc/frostguard.json", "{}");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_folder.Path, "cwd")).FullName;

        Assert.Equal(system, Locator(system).Locate(null, elsewhere));
    }

    [Fact]
    public void MissingExplicitFileIsNotFoundAndNamesTheParameter()
    {
        _folder.Write("frostguard.json", "{}");

        var error = Assert.Throws<FrostException>(() => Locator().Locate("nope.json", _folder.Path));

        Assert.Equal(ErrorIds.ConfigNotFound, error.ErrorId);
        Assert.Contains("-ConfigPath", error.Message);
        Assert.Contains("nope.json", error.Message);
    }

    [Fact]
    public void MissingFileFromEnvironmentNamesTheVariable()
    {
        _environment[ConfigLocator.ConfigVariable] = "/nonexistent/frostguard.json";

        var error = Assert.Throws<FrostException>(() => Locator().Locate(null, _folder.Path));

        Assert.Contains("FROSTGUARD_CONFIG", error.Message);
    }

    [Fact]
    public void NothingFoundListsEveryPlaceTriedAndHowToFixIt()
    {
        var error = Assert.Throws<FrostException>(() => Locator().Locate(null, _folder.Path));

        Assert.Equal(ErrorIds.ConfigNotFound, error.ErrorId);
        Assert.Equal(FailureKind.NotFound, error.Kind);
        Assert.Contains(Path.Combine(_folder.Path, "frostguard.json"), error.Message);
        Assert.Contains("-ConfigPath", error.RecommendedAction);
        Assert.Contains("about_FrostGuard", error.RecommendedAction);
        Assert.DoesNotContain("build.sh", error.RecommendedAction);
    }
}
