#!/usr/bin/env bash
# FrostGuard's one entry point. Bash, so it runs before PowerShell exists: on a fresh Debian 12
# machine (as root) it installs what is missing and nothing more.
#
#   ./build.sh build                      build the module into bin/ (Import-Module ./FrostGuard.psd1)
#   ./build.sh test                       build, bring the sandbox up, run every test suite
#   ./build.sh demo                       run the main job against the sandbox
#   ./build.sh sandbox up|down|reset|status [--fleet]   (--fleet: the fleet's sshd hosts too; down: only them)
#   ./build.sh package                    out/FrostGuard/<version>/ and a .nupkg
#   ./build.sh bench [--quick]            benchmarks (bench/)
#   ./build.sh fresh-check                demo and test in a pristine Debian 12 root (slow; not CI)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
# shellcheck source=scripts/common.sh
source scripts/common.sh
# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
# shellcheck source=scripts/module.sh
source scripts/module.sh
# shellcheck source=scripts/sandbox.sh
source scripts/sandbox.sh
# shellcheck source=scripts/fleet.sh
source scripts/fleet.sh
# shellcheck source=scripts/tests.sh
source scripts/tests.sh
# shellcheck source=scripts/fresh-check.sh
source scripts/fresh-check.sh

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

command=${1:-}
[[ -n "$command" ]] || usage
shift
case "$command" in
    build)
        ensure_pwsh
        build_module
        ;;
    test)
        ensure_prerequisites
        ensure_test_packages
        build_module
        sandbox_up
        SETUP_SECONDS=$SECONDS
        run_all_tests "$@"
        ;;
    demo)
        ensure_prerequisites
        ensure_pester
        build_module
        sandbox_up
        run_demo
        ;;
    sandbox)
        case "${1:-}" in
            up)
                ensure_prerequisites && sandbox_up
                [[ "${2:-}" != --fleet ]] || fleet_up
                ;;
            down)
                if [[ "${2:-}" == --fleet ]]; then fleet_down; else ensure_dockerd && fleet_down && sandbox_down; fi
                ;;
            reset) ensure_dockerd && fleet_down && sandbox_reset && rm -rf "$FLEET_ROOT" ;;
            status)
                ensure_dockerd && sandbox_status
                [[ "${2:-}" != --fleet ]] || fleet_status
                ;;
            *) die "usage: ./build.sh sandbox up|down|reset|status [--fleet]" ;;
        esac
        ;;
    package)
        ensure_pwsh
        build_module
        package_module
        ;;
    bench)
        ensure_prerequisites
        build_module
        sandbox_up
        "$PWSH" -NoProfile -File "$ROOT/bench/run.ps1" -ConfigPath "$SANDBOX_CONFIG" "$@"
        ;;
    fleet)
        # The fleet's hosts alone, over a sandbox that is up (the fleet tests bring them up and down).
        case "${1:-}" in
            up) ensure_pwsh && fleet_up ;;
            down) fleet_down ;;
            status) fleet_status ;;
            *) die "usage: ./build.sh fleet up|down|status" ;;
        esac
        ;;
    fresh-check)
        fresh_check
        ;;
    *) usage ;;
esac
