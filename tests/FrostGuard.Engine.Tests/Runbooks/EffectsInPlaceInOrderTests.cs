using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>JournalReader.EffectsInPlaceInOrder: what an undo rolls back, in the order it took effect.</summary>
public sealed class EffectsInPlaceInOrderTests
{
    private static JournalEntry End(string id, StepStatus status, StepPhase phase = StepPhase.Main, bool carried = false) =>
        new() { Type = JournalEntryType.StepEnd, StepId = id, Phase = phase, Status = status, Carried = carried ? true : null };

    private static JournalEntry Carried(string id) => new() { Type = JournalEntryType.StepCarried, StepId = id, Phase = StepPhase.Main };

    [Fact]
    public void Keeps_the_order_in_which_the_steps_took_effect_not_their_names_order()
    {
        Assert.Equal(["zeta", "alpha", "mid"],
            JournalReader.EffectsInPlaceInOrder([End("zeta", StepStatus.Succeeded), End("alpha", StepStatus.Succeeded), End("mid", StepStatus.Succeeded)]));
    }

    [Fact]
    public void Includes_steps_a_resume_carried_or_skipped_as_in_place()
    {
        Assert.Equal(["outside", "skipped", "ran"], JournalReader.EffectsInPlaceInOrder([
            new JournalEntry { Type = JournalEntryType.RunStart, RunId = "resume" },
            Carried("outside"),
            End("skipped", StepStatus.Skipped, carried: true),
            End("ran", StepStatus.Succeeded),
        ]));
    }

    [Fact]
    public void Excludes_rolled_back_failed_timed_out_and_cancelled_steps()
    {
        Assert.Equal(["kept"], JournalReader.EffectsInPlaceInOrder([
            End("undone", StepStatus.Succeeded),
            End("kept", StepStatus.Succeeded),
            End("failed", StepStatus.Failed),
            End("slow", StepStatus.TimedOut),
            End("stopped", StepStatus.Cancelled),
            End("undone", StepStatus.RolledBack, StepPhase.Rollback),
        ]));
    }

    [Fact]
    public void Excludes_a_step_whose_rollback_failed()
    {
        Assert.Equal(["kept"], JournalReader.EffectsInPlaceInOrder([
            End("kept", StepStatus.Succeeded), End("unknown", StepStatus.Succeeded), End("unknown", StepStatus.Failed, StepPhase.Rollback),
        ]));
    }

    [Fact]
    public void Excludes_steps_skipped_by_a_condition_or_simulated_and_finally_steps()
    {
        Assert.Equal(["real"], JournalReader.EffectsInPlaceInOrder([
            End("when-false", StepStatus.Skipped),
            End("dry", StepStatus.WhatIf),
            End("real", StepStatus.Succeeded),
            End("cleanup", StepStatus.Succeeded, StepPhase.Finally),
        ]));
    }

    [Fact]
    public void Names_each_step_once_whatever_the_case_of_its_id()
    {
        Assert.Equal(["Patch"], JournalReader.EffectsInPlaceInOrder([Carried("Patch"), End("patch", StepStatus.Succeeded)]));
    }

    [Fact]
    public void Holds_the_same_steps_as_EffectsInPlace()
    {
        JournalEntry[] entries = [
            Carried("c1"), End("a", StepStatus.Succeeded), End("b", StepStatus.Failed), End("d", StepStatus.Succeeded),
            End("d", StepStatus.RolledBack, StepPhase.Rollback), End("e", StepStatus.Skipped, carried: true),
        ];

        Assert.Equal(JournalReader.EffectsInPlace(entries).Order(), JournalReader.EffectsInPlaceInOrder(entries).Order());
        Assert.Equal(["c1", "a", "e"], JournalReader.EffectsInPlaceInOrder(entries));
    }

    [Fact]
    public void An_empty_journal_has_nothing_in_place()
    {
        Assert.Empty(JournalReader.EffectsInPlaceInOrder([]));
    }
}
