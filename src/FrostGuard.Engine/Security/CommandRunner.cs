using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Security;

/// <summary>What a status command printed, and where the output came from.</summary>
public sealed record CommandOutput(int ExitCode, string StandardOutput, string StandardError, string Evidence);

/// <summary>
/// Runs the read-only status commands Test-FrostSecurity judges (ufw status, nft list ruleset,
/// fail2ban-client status, apt list --upgradable). The seam that lets tests supply recorded
/// outputs for tools this machine does not have, without ever touching its firewall.
/// </summary>
public interface ICommandRunner
{
    /// <summary>The output, or null when the tool is not installed (nor recorded).</summary>
    Task<CommandOutput?> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>Runs the real tool found on PATH (plus /usr/sbin and /sbin, where these live), with an argument list.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    private static readonly string[] ExtraFolders = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
    private readonly TimeSpan _timeout;

    public ProcessCommandRunner(TimeSpan? timeout = null) => _timeout = timeout ?? TimeSpan.FromSeconds(30);

    public static string? Locate(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraFolders)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);
    }

    public async Task<CommandOutput?> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (Locate(tool) is not { } executable)
        {
            return null;
        }

        var result = await ProcessRunner.RunAsync(new ProcessRequest(executable, arguments)
        {
            Timeout = _timeout,
            // A stable, parseable language for the tools' words.
            Environment = new Dictionary<string, string> { ["LC_ALL"] = "C" },
        }, cancellationToken).ConfigureAwait(false);
        return result.TimedOut
            ? new CommandOutput(-1, "", $"{tool} did not finish within {_timeout.TotalSeconds:F0} s and was stopped", Describe(executable, arguments))
            : new CommandOutput(result.ExitCode, result.StandardOutput, result.StandardError, Describe(executable, arguments));
    }

    private static string Describe(string executable, IReadOnlyList<string> arguments) => $"ran `{string.Join(' ', [executable, .. arguments])}` here";
}

/// <summary>
/// Outputs recorded on some server: one file per command, named after it with spaces as dashes
/// (ufw-status-verbose.txt, fail2ban-client-status-sshd.txt); an optional .exitcode file next to it.
/// </summary>
public sealed class RecordedCommandRunner : ICommandRunner
{
    private readonly string _folder;

    public RecordedCommandRunner(string folder) => _folder = folder;

    public static string FileNameFor(string tool, IReadOnlyList<string> arguments) =>
        string.Join('-', [tool, .. arguments.Select(a => a.TrimStart('-'))]) + ".txt";

    public bool Has(string tool) => Directory.EnumerateFiles(_folder, tool + "-*.txt").Any();

    public async Task<CommandOutput?> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_folder, FileNameFor(tool, arguments));
        if (!File.Exists(file))
        {
            return Has(tool)
                ? new CommandOutput(1, "", $"no recording of `{tool} {string.Join(' ', arguments)}` in {_folder}", $"recording folder {_folder}")
                : null;
        }

        var exitFile = Path.ChangeExtension(file, ".exitcode");
        var exit = File.Exists(exitFile) ? int.Parse((await File.ReadAllTextAsync(exitFile, cancellationToken).ConfigureAwait(false)).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        var text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        return exit == 0
            ? new CommandOutput(exit, text, "", $"recorded output {file}")
            : new CommandOutput(exit, "", text, $"recorded output {file}");
    }
}

/// <summary>
/// The real tool when it is installed here; a recording only for a tool that is not. So a test
/// on a machine that has the tool judges the real thing, and the "not installed" answer is
/// real wherever neither exists.
/// </summary>
public sealed class InstalledFirstRunner : ICommandRunner
{
    private readonly ICommandRunner _real;
    private readonly ICommandRunner? _recorded;
    private readonly Func<string, bool> _isInstalled;

    public InstalledFirstRunner(ICommandRunner real, ICommandRunner? recorded, Func<string, bool>? isInstalled = null)
    {
        _real = real;
        _recorded = recorded;
        _isInstalled = isInstalled ?? (tool => ProcessCommandRunner.Locate(tool) is not null);
    }

    public Task<CommandOutput?> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        _isInstalled(tool) || _recorded is null
            ? _real.RunAsync(tool, arguments, cancellationToken)
            : _recorded.RunAsync(tool, arguments, cancellationToken);
}
