using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments;

/// <summary>Real git in a temporary folder: an origin and a deployment checkout cloned from it.</summary>
public sealed class GitCheckoutTests
{
    private static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var all = new[] { "-C", directory, "-c", "user.name=test", "-c", "user.email=test@localhost" }.Concat(arguments).ToList();
        var result = await ProcessRunner.RunToolAsync("git", all, directory, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.True(result.Succeeded, result.Output);
        return result.Output.Trim();
    }

    [Fact]
    public async Task Pull_fast_forwards_and_reset_goes_back_to_the_recorded_commit()
    {
        using var temp = new TempFolder();
        var origin = Path.Combine(temp.Path, "origin");
        Directory.CreateDirectory(origin);
        await GitAsync(origin, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(origin, "docker-compose.yml"), "services: {}\n");
        await GitAsync(origin, "add", "-A");
        await GitAsync(origin, "commit", "-q", "-m", "one");
        await GitAsync(temp.Path, "clone", "-q", origin, "deployment");
        var checkout = new GitCheckout(Path.Combine(temp.Path, "deployment"));
        Assert.True(checkout.IsCheckout);
        var first = await checkout.HeadAsync(CancellationToken.None);

        File.AppendAllText(Path.Combine(origin, "docker-compose.yml"), "# two\n");
        await GitAsync(origin, "commit", "-q", "-am", "two");
        await checkout.PullAsync(NullReporter.Instance, CancellationToken.None);
        var second = await checkout.HeadAsync(CancellationToken.None);
        Assert.NotEqual(first, second);
        Assert.Equal(await GitAsync(origin, "rev-parse", "HEAD"), second);

        await checkout.ResetAsync(first!, NullReporter.Instance, CancellationToken.None);
        Assert.Equal(first, await checkout.HeadAsync(CancellationToken.None));
        Assert.Equal("services: {}\n", File.ReadAllText(Path.Combine(checkout.Directory, "docker-compose.yml")));
    }

    [Fact]
    public async Task A_pull_that_is_not_a_fast_forward_fails_with_the_folder_named()
    {
        using var temp = new TempFolder();
        var origin = Path.Combine(temp.Path, "origin");
        Directory.CreateDirectory(origin);
        await GitAsync(origin, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(origin, "a"), "1\n");
        await GitAsync(origin, "add", "-A");
        await GitAsync(origin, "commit", "-q", "-m", "one");
        await GitAsync(temp.Path, "clone", "-q", origin, "deployment");
        var deployment = Path.Combine(temp.Path, "deployment");
        File.WriteAllText(Path.Combine(deployment, "local"), "x\n");
        await GitAsync(deployment, "add", "-A");
        await GitAsync(deployment, "commit", "-q", "-m", "local");
        File.WriteAllText(Path.Combine(origin, "b"), "2\n");
        await GitAsync(origin, "add", "-A");
        await GitAsync(origin, "commit", "-q", "-m", "upstream");

        var e = await Assert.ThrowsAsync<FrostException>(() => new GitCheckout(deployment).PullAsync(NullReporter.Instance, CancellationToken.None));
        Assert.Equal(ErrorIds.GitFailed, e.ErrorId);
        Assert.Contains(deployment, e.Message);
    }

    [Fact]
    public async Task A_folder_that_is_no_checkout_has_no_commit()
    {
        using var temp = new TempFolder();
        Assert.Null(await new GitCheckout(temp.Path).HeadAsync(CancellationToken.None));
    }
}
