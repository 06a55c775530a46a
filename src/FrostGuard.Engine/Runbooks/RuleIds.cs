namespace FrostGuard.Engine.Runbooks;

/// <summary>Stable ids of runbook validation rules; docs/runbook-format.md explains each.</summary>
public static class RuleIds
{
    public const string UnclosedFence = "FG1001";
    public const string IgnoredAttributeBlock = "FG1002";
    public const string TextAfterAttributes = "FG1003";
    public const string UnknownAttribute = "FG1004";
    public const string RunmeAttributeNotActedOn = "FG1005";
    public const string InvalidAttributeValue = "FG1006";
    public const string DuplicateStepId = "FG1007";
    public const string RollbackTargetMissing = "FG1008";
    public const string InvalidFrontMatter = "FG1009";
    public const string RollbackTargetInSequence = "FG1010";
    public const string CheckOutsideChecklist = "FG1011";
    public const string EmptyStep = "FG1012";
    public const string RequiredCommandMissing = "FG1013";
    public const string StepFenceIndented = "FG1014";
    public const string PowerShellSyntax = "FG2001";
    public const string UnknownCommand = "FG2002";
    public const string UnknownParameter = "FG2003";
    public const string UndeclaredVariable = "FG2004";
    public const string BashSyntax = "FG2005";
}
