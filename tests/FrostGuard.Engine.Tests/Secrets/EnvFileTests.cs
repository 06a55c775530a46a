using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Tests.Secrets;

public sealed class EnvFileTests
{
    [Fact]
    public void ReadsComposeStyleLines()
    {
        var env = EnvFile.Parse("# comment\r\nA=1\nexport B = two \nC=\"quoted # not a comment\"\nD='single'\nE=value # trailing\n\nnot a line\n");

        Assert.True(env.TryGet("A", out var a) && a == "1");
        Assert.True(env.TryGet("B", out var b) && b == "two");
        Assert.True(env.TryGet("C", out var c) && c == "quoted # not a comment");
        Assert.True(env.TryGet("D", out var d) && d == "single");
        Assert.True(env.TryGet("E", out var e) && e == "value");
        Assert.Equal(5, env.Keys.Count);
    }

    [Fact]
    public void LaterKeysWin()
    {
        Assert.True(EnvFile.Parse("A=1\nA=2").TryGet("A", out var a) && a == "2");
    }
}
