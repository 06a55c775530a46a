# Runs every suite (xUnit for the engine, Pester for the module against the live sandbox) and
# ends with one line: N passed, N failed[, N skipped]. Exits non-zero on any failure.
# shellcheck shell=bash

# Reads passed/failed/skipped from a TRX file's Counters element.
trx_counts() {
    local counters
    counters=$(grep -o '<Counters [^>]*>' "$1" | head -n 1)
    local total executed passed failed
    total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    echo "$passed $failed $((total - executed))"
}

run_all_tests() {
    local results="$ARTIFACTS/test-results"
    rm -rf "$results" && mkdir -p "$results"
    local passed=0 failed=0 skipped=0 p f s xunit_failures=""

    log "xUnit: engine"
    if ! dotnet test "$ROOT/tests/FrostGuard.Engine.Tests/FrostGuard.Engine.Tests.csproj" -c Release -nologo \
        --logger "trx;LogFileName=engine.trx" --logger "console;verbosity=minimal" --results-directory "$results"; then
        log "xUnit reported failures"
    fi
    if [[ -f "$results/engine.trx" ]]; then
        read -r p f s < <(trx_counts "$results/engine.trx")
        # grep finds nothing when nothing failed: with pipefail that must not end the run.
        xunit_failures=$(grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$results/engine.trx" | sed -n 's/.*testName="\([^"]*\)".*/  [-] xUnit: \1/p' || true)
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    else
        log "xUnit produced no results (build failure?); counted as one failure"
        failed=$((failed + 1))
    fi

    package_module >/dev/null

    local state
    state=$(mktemp -d /tmp/frostguard-test-state.XXXXXX)
    # The sandbox outlives a run: one cut short leaves its changes for this one to find.
    log "sandbox: back to the state the suites start from"
    if ! FROSTGUARD_CONFIG="$SANDBOX_CONFIG" FROSTGUARD_STATE="$state" "$PWSH" -NoProfile -NonInteractive \
        -File "$ROOT/tests/Reset-SandboxBaseline.ps1"; then
        log "the sandbox could not be brought back to its baseline; counted as one failure"
        failed=$((failed + 1))
    fi

    log "Pester: module, conformance and sandbox suites"
    if ! FROSTGUARD_CONFIG="$SANDBOX_CONFIG" FROSTGUARD_STATE="$state" FROSTGUARD_SANDBOX_ROOT="$SANDBOX_ROOT" FROSTGUARD_PWSH="$PWSH" \
        "$PWSH" -NoProfile -NonInteractive -File "$ROOT/tests/Invoke-PesterSuites.ps1" \
        -PesterModule "$(pester_module)" -ResultFolder "$results" "$@"; then
        log "Pester reported failures"
    fi
    rm -rf "$state"
    if [[ -f "$results/pester-counts.txt" ]]; then
        read -r p f s <"$results/pester-counts.txt"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    else
        log "Pester produced no results; counted as one failure"
        failed=$((failed + 1))
    fi

    # CI shows only the tail of the log: the xUnit failures are named again here.
    [[ -n "${xunit_failures:-}" ]] && printf 'xUnit failures:\n%s\n' "$xunit_failures"
    # Set-up is what a second run makes quicker; the suites take what they take.
    [[ -n "${SETUP_SECONDS:-}" ]] && log "wall time: set-up $SETUP_SECONDS s, tests $((SECONDS - SETUP_SECONDS)) s"
    local summary="$passed passed, $failed failed"
    ((skipped > 0)) && summary+=", $skipped skipped"
    echo "$summary"
    ((failed == 0))
}

run_demo() {
    FROSTGUARD_CONFIG="$SANDBOX_CONFIG" "$PWSH" -NoProfile -File "$ROOT/scripts/demo.ps1"
}
