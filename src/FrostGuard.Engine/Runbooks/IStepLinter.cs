using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks;

/// <summary>
/// Lints a runbook's steps more deeply than the parser can, with what only the caller has (the
/// PowerShell linter needs the PowerShell parser and a session's commands, so it lives in the
/// cmdlet assembly).
/// </summary>
public interface IStepLinter
{
    IReadOnlyList<RunbookFinding> Lint(FrostRunbook runbook);
}
