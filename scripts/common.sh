# Shared by build.sh and the scripts it sources: paths, logging, the tools FrostGuard needs.
# shellcheck shell=bash

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1
ARTIFACTS="$ROOT/.artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PATH="$PATH:$HOME/.dotnet/tools"
PWSH="$HOME/.dotnet/tools/pwsh"

log() { printf '\033[36m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command with its output kept back, and shows that output when the command fails
# (a compiler error must never end the build in silence).
quietly() {
    local output
    if ! output=$("$@" 2>&1); then
        printf '%s\n' "$output" >&2
        die "failed: $*"
    fi
}

# Waits for a condition (a command) to hold, checking every half second, up to a deadline.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
    log "$what"
}
