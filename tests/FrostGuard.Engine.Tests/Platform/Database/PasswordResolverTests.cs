using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Database;

namespace FrostGuard.Engine.Tests.Platform.Database;

public sealed class PasswordResolverTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FrostConfig Config(PasswordSource source) => new()
    {
        Project = new ProjectSection { Name = "p", Directory = _folder.Path },
        Database = new DatabaseSection { Name = "db", User = "u", Password = source },
        SourcePath = "/etc/frostguard/frostguard.json",
    };

    [Fact]
    public void ReadsTheKeyFromTheDeploymentEnvFile()
    {
        _folder.Write(".env", "OTHER=x\nPOSTGRES_PASSWORD=s3cret\n");

        Assert.Equal("s3cret", PasswordResolver.Resolve(Config(new PasswordSource { EnvFileKey = "POSTGRES_PASSWORD" }), _ => null));
    }

    [Fact]
    public void ReadsAnEnvironmentVariable()
    {
        Assert.Equal("pw", PasswordResolver.Resolve(Config(new PasswordSource { EnvironmentVariable = "DB_PW" }), n => n == "DB_PW" ? "pw" : null));
    }

    [Fact]
    public void MissingKeyNamesTheFileAndKeyButNoValue()
    {
        _folder.Write(".env", "OTHER=do-not-leak\n");

        var error = Assert.Throws<FrostException>(() => PasswordResolver.Resolve(Config(new PasswordSource { EnvFileKey = "POSTGRES_PASSWORD" }), _ => null));

        Assert.Equal(ErrorIds.DatabasePasswordUnavailable, error.ErrorId);
        Assert.Contains("POSTGRES_PASSWORD", error.Message);
        Assert.Contains(Path.Combine(_folder.Path, ".env"), error.Message);
        Assert.DoesNotContain("do-not-leak", error.Message + error.RecommendedAction);
    }

    [Fact]
    public void MissingEnvFileIsExplained()
    {
        var error = Assert.Throws<FrostException>(() => PasswordResolver.Resolve(Config(new PasswordSource { EnvFileKey = "K" }), _ => null));

        Assert.Equal(ErrorIds.DatabasePasswordUnavailable, error.ErrorId);
        Assert.Contains("cannot read", error.Message);
    }

    [Fact]
    public void UnsetVariableIsExplained()
    {
        var error = Assert.Throws<FrostException>(() => PasswordResolver.Resolve(Config(new PasswordSource { EnvironmentVariable = "DB_PW" }), _ => null));

        Assert.Contains("DB_PW", error.Message);
    }
}
