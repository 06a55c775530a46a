using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Tests.Platform.Files;

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

    [Fact]
    public void WithValueChangesOnlyThatKeyAndKeepsEverythingElse()
    {
        const string text = "# deployment\r\nCOMPOSE_PROJECT_NAME=x\r\nexport POSTGRES_PASSWORD=\"old\"\r\nPOSTGRES_PASSWORD_FILE=keep\r\n# POSTGRES_PASSWORD=comment\r\nTAIL=1";

        var rewritten = EnvFile.WithValue(text, "POSTGRES_PASSWORD", "n3w-Value_0123456789");

        Assert.Equal("# deployment\r\nCOMPOSE_PROJECT_NAME=x\r\nexport POSTGRES_PASSWORD=n3w-Value_0123456789\r\nPOSTGRES_PASSWORD_FILE=keep\r\n# POSTGRES_PASSWORD=comment\r\nTAIL=1", rewritten);
        Assert.True(EnvFile.Parse(rewritten).TryGet("POSTGRES_PASSWORD", out var value) && value == "n3w-Value_0123456789");
    }

    [Fact]
    public void WithValueAppendsAMissingKey()
    {
        Assert.Equal("A=1\nB=two\n", EnvFile.WithValue("A=1\n", "B", "two"));
        Assert.Equal("A=1\nB=two\n", EnvFile.WithValue("A=1", "B", "two"));
    }

    [Fact]
    public void Every_line_of_a_key_is_set_so_no_earlier_line_keeps_an_old_value()
    {
        var rewritten = EnvFile.WithValues("A_TAG=old\nB=keep\nA_TAG=older\r\n", new Dictionary<string, string> { ["A_TAG"] = "new", ["C"] = "3", ["D"] = "4" });
        Assert.Equal("A_TAG=new\nB=keep\nA_TAG=new\r\nC=3\nD=4\n", rewritten);
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("a#b")]
    [InlineData("it's")]
    [InlineData("\"quoted\"")]
    [InlineData("$(id)")]
    [InlineData("line\nbreak")]
    public void A_value_an_unquoted_line_would_change_is_refused_and_not_named(string value)
    {
        var e = Assert.Throws<FrostException>(() => EnvFile.WithValue("A=1\n", "A", value));
        Assert.Equal(ErrorIds.EnvValueInvalid, e.ErrorId);
        Assert.Contains("A", e.Message);
        Assert.DoesNotContain(value, e.Message);
    }

    [Fact]
    public void A_line_put_back_from_a_copy_keeps_its_quotes_whatever_its_value()
    {
        const string copy = "A=1\nexport POSTGRES_PASSWORD=\"horse battery staple\"\nB=2\n";
        var restored = EnvFile.WithLineOf("A=1\r\nPOSTGRES_PASSWORD=new-value\r\nB=2\r\n", "POSTGRES_PASSWORD", copy);
        Assert.Equal("A=1\r\nexport POSTGRES_PASSWORD=\"horse battery staple\"\r\nB=2\r\n", restored);
        Assert.True(EnvFile.Parse(restored).TryGet("POSTGRES_PASSWORD", out var value) && value == "horse battery staple");
        Assert.Equal("A=1\n", EnvFile.WithLineOf("A=1\n", "MISSING", copy));
    }
}
