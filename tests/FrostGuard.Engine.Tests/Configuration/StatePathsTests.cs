using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Tests.Configuration;

public sealed class StatePathsTests
{
    private static FrostConfig Config(string? stateFolder = null, string? backupRoot = null) => new()
    {
        Project = new ProjectSection { Name = "p", Directory = "/d" },
        Database = new DatabaseSection { Name = "db", User = "u", Password = new PasswordSource { EnvFileKey = "P" } },
        StateFolder = stateFolder,
        BackupRoot = backupRoot,
    };

    [Fact]
    public void EnvironmentOverridesTheConfiguredStateFolder()
    {
        var state = StatePaths.StateFolder(Config("/configured"), n => n == StatePaths.StateVariable ? "/from-env" : null);

        Assert.Equal("/from-env", state);
    }

    [Fact]
    public void ConfiguredStateFolderIsUsedWithoutTheVariable()
    {
        Assert.Equal("/configured", StatePaths.StateFolder(Config("/configured"), _ => null));
    }

    [Fact]
    public void DefaultStateFolderFollowsXdgStateHome()
    {
        Assert.Equal("/xdg/frostguard", StatePaths.StateFolder(Config(), n => n == "XDG_STATE_HOME" ? "/xdg" : null));
    }

    [Fact]
    public void BackupRootDefaultsToTheStateFolder()
    {
        Assert.Equal("/s/backups", StatePaths.BackupRoot(Config("/s"), _ => null));
        Assert.Equal("/b", StatePaths.BackupRoot(Config("/s", "/b"), _ => null));
    }
}
