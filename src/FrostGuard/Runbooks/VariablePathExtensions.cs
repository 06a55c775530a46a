using System.Management.Automation;

namespace FrostGuard.Runbooks;

internal static class VariablePathExtensions
{
    /// <summary>The variable's name without its scope ($script:x → x); PowerShell Standard has no accessor for it.</summary>
    public static string Name(this VariablePath path)
    {
        var text = path.UserPath;
        var colon = text.IndexOf(':');
        return colon >= 0 && !path.IsDriveQualified ? text[(colon + 1)..] : text;
    }
}
