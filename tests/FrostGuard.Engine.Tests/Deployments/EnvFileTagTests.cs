using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class EnvFileTagTests
{
    [Fact]
    public void Only_the_named_keys_change_and_every_other_line_stays()
    {
        var text = "# deployment\nCOMPOSE_PROJECT_NAME=demo\nBACKEND_TAG=current\nPOSTGRES_PASSWORD=s3cret=\n\nWORKER_TAG=current\n";
        var changed = EnvFile.WithValues(text, new Dictionary<string, string> { ["BACKEND_TAG"] = "next", ["NEW_TAG"] = "1.2" });
        Assert.Equal("# deployment\nCOMPOSE_PROJECT_NAME=demo\nBACKEND_TAG=next\nPOSTGRES_PASSWORD=s3cret=\n\nWORKER_TAG=current\nNEW_TAG=1.2\n", changed);
    }

    [Fact]
    public void Tags_are_the_keys_ending_in_TAG_and_never_the_secrets()
    {
        var tags = DeploymentState.Tags("BACKEND_TAG=next\nPOSTGRES_PASSWORD=s3cret\nWORKER_TAG='current'\n");
        Assert.Equal(["BACKEND_TAG", "WORKER_TAG"], tags.Keys);
        Assert.Equal("current", tags["WORKER_TAG"]);
    }

    [Theory]
    [InlineData("next version")]
    [InlineData("a#b")]
    [InlineData("$(id)")]
    public void A_value_that_is_no_tag_is_refused(string value)
    {
        var e = Assert.Throws<FrostException>(() => DeploymentState.CheckTags(new Dictionary<string, string> { ["A_TAG"] = value }));
        Assert.Equal(ErrorIds.UpdateInvalidVersion, e.ErrorId);
        var written = Assert.Throws<FrostException>(() => EnvFile.WithValues("A_TAG=x\n", new Dictionary<string, string> { ["A_TAG"] = value }));
        Assert.Equal(ErrorIds.EnvValueInvalid, written.ErrorId);
        Assert.DoesNotContain(value, written.Message); // a value may be a secret: never in a message
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_file_keeps_its_mode_and_is_replaced_whole()
    {
        using var temp = new TempFolder();
        var path = temp.Write(".env", "BACKEND_TAG=current\nPOSTGRES_PASSWORD=x\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        EnvFile.Set(path, new Dictionary<string, string> { ["BACKEND_TAG"] = "next" });
        Assert.Equal("BACKEND_TAG=next\nPOSTGRES_PASSWORD=x\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path)); // no temporary file left
    }

    [Fact]
    public void A_tag_key_is_the_service_name_in_capitals()
    {
        Assert.Equal("BACKEND_TAG", DeploymentState.TagKey("backend"));
        Assert.Equal("API_GATEWAY_TAG", DeploymentState.TagKey("api-gateway"));
    }
}
