using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;
namespace FrostGuard.Engine.Deployments;

/// <summary>The deployment directory as a git checkout: its commit, a fast-forward pull, and going back to a commit.</summary>
public sealed class GitCheckout
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public GitCheckout(string directory) => Directory = directory;

    public string Directory { get; }

    public bool IsCheckout => System.IO.Directory.Exists(Path.Combine(Directory, ".git")) || File.Exists(Path.Combine(Directory, ".git"));

    public async Task<string?> HeadAsync(CancellationToken cancellationToken)
    {
        if (!IsCheckout)
        {
            return null;
        }

        var result = await GitAsync(["rev-parse", "HEAD"], null, cancellationToken).ConfigureAwait(false);
        return result.Output.Trim();
    }

    public Task PullAsync(IFrostReporter reporter, CancellationToken cancellationToken) =>
        GitAsync(["pull", "--ff-only"], reporter, cancellationToken);

    /// <summary>Moves HEAD (and the branch) back to a commit; local changes are kept, and a conflict with them stops it (git reset --keep).</summary>
    public Task ResetAsync(string commit, IFrostReporter reporter, CancellationToken cancellationToken) =>
        GitAsync(["reset", "--keep", commit], reporter, cancellationToken);

    private async Task<ToolResult> GitAsync(string[] arguments, IFrostReporter? reporter, CancellationToken cancellationToken)
    {
        var all = new[] { "-C", Directory }.Concat(arguments).ToList();
        var result = await ProcessRunner.RunToolAsync("git", all, Directory, Timeout, reporter is null ? null : l => reporter.Verbose("git: " + l), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.GitFailed, FailureKind.OperationFailed,
                $"git {string.Join(' ', arguments)} in {Directory} failed (exit code {result.ExitCode}): {result.Tail()}", Directory,
                $"Run `git -C {Directory} status` and resolve it (a pull must be a fast-forward; local commits or changes in the way stop it).");
        }

        return result;
    }
}
