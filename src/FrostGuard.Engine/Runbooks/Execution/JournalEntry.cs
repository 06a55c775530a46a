using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>One line of a run's JSON-lines journal.</summary>
public sealed record JournalEntry
{
    public const string RunStart = "run-start";
    public const string StepStart = "step-start";
    public const string StepEnd = "step-end";
    public const string RunEnd = "run-end";

    public required string Type { get; init; }
    public DateTimeOffset Time { get; init; }
    public string? RunId { get; init; }
    public string? Runbook { get; init; }
    public string? ContentHash { get; init; }
    public bool? WhatIf { get; init; }
    public string? ResumedFrom { get; init; }
    public Dictionary<string, string>? Parameters { get; init; }
    public string? StepId { get; init; }
    public string? StepName { get; init; }
    public string? Section { get; init; }
    public StepLanguage? Language { get; init; }
    public StepPhase? Phase { get; init; }
    public int? Attempt { get; init; }
    public StepStatus? Status { get; init; }
    public RunStatus? RunStatus { get; init; }
    public double? DurationMs { get; init; }
    public int? ExitCode { get; init; }
    public string? Error { get; init; }
    public string? Message { get; init; }
    public string? RollbackStepId { get; init; }
    public string? OutputFile { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
