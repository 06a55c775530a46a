# Installs what FrostGuard needs on Debian 12 and nothing more; a second run changes nothing.
# shellcheck shell=bash

APT_PACKAGES=(postgresql-15 docker.io docker-compose nginx openssl curl git ca-certificates)

ensure_apt_packages() {
    local missing=() package
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_pwsh() {
    if [[ -x "$PWSH" ]] && [[ "$("$PWSH" -NoProfile -NoLogo -Command '$PSVersionTable.PSVersion.ToString()')" == "$PWSH_VERSION" ]]; then
        return 0
    fi
    log "installing PowerShell $PWSH_VERSION (dotnet tool)"
    dotnet tool update --global PowerShell --version "$PWSH_VERSION" >/dev/null
}

# Pester comes from NuGet (no PowerShell Gallery here) into the NuGet cache, where
# Invoke-FrostChecklist looks for it: the demo verifies its checklist with it, the tests run on it.
pester_module() { echo "$HOME/.nuget/packages/pester/$PESTER_VERSION/tools/Pester.psd1"; }

ensure_pester() {
    [[ -f "$(pester_module)" ]] && return 0
    log "restoring Pester $PESTER_VERSION from NuGet"
    quietly dotnet restore "$ROOT/scripts/pester/Pester.csproj" -v quiet
    [[ -f "$(pester_module)" ]] || die "the NuGet restore of Pester $PESTER_VERSION left no $(pester_module)"
}

ensure_test_packages() {
    ensure_pester
    # Headless Chromium checks the run report as a browser renders it.
    if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
        log "installing Debian package: chromium (for the report test)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    # npm fetches Grafana's schema and the TypeScript compiler that checks the exported dashboard.
    if ! command -v npm >/dev/null; then
        log "installing Debian package: npm (for the dashboard test)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    fi
    [[ -f "$ARTIFACTS/test-packages.restored" ]] && return 0
    log "restoring the test fixtures from NuGet"
    quietly dotnet restore "$ROOT/tests/TestPackages/TestPackages.csproj" -v quiet
    mkdir -p "$ARTIFACTS" && touch "$ARTIFACTS/test-packages.restored"
}

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

# Starts dockerd when no daemon answers; a daemon that answers is left alone.
ensure_dockerd() {
    docker_answers && return 0
    log "starting dockerd (--bridge=none --iptables=false)"
    mkdir -p /var/log
    setsid nohup dockerd --bridge=none --iptables=false >>/var/log/frostguard-dockerd.log 2>&1 </dev/null &
    wait_for 90 "dockerd is answering" docker_answers \
        || die "dockerd did not answer within 90 s; read /var/log/frostguard-dockerd.log"
}

ensure_prerequisites() {
    ensure_apt_packages
    ensure_pwsh
    ensure_dockerd
}
