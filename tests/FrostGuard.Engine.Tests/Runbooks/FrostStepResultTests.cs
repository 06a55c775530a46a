using System.Reflection;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

public sealed class FrostStepResultTests
{
    [Fact]
    public void ScriptsSeeTheSamePropertiesInTheSameOrderAsWhenItWasAClass()
    {
        // Format-List, ConvertTo-Json and the format views show these, in this order.
        var properties = typeof(FrostStepResult).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => $"{p.Name}:{p.PropertyType.Name}{(Nullable.GetUnderlyingType(p.PropertyType) is { } inner ? "<" + inner.Name + ">" : "")}");

        Assert.Equal([
            "RunId:String", "Runbook:String", "Section:String", "StepId:String", "StepName:String", "Language:StepLanguage", "Status:StepStatus",
            "Phase:StepPhase", "Start:DateTimeOffset", "Duration:TimeSpan", "Attempts:Int32", "ExitCode:Nullable`1<Int32>", "Output:String",
            "Error:String", "Message:String", "RollbackStepId:String", "OutputFile:String",
        ], properties);
        Assert.Equal("build: Failed", new FrostStepResult { RunId = "r", Runbook = "b", StepId = "build", StepName = "Build", Status = StepStatus.Failed }.ToString());
    }
}
