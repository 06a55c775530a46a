# Builds the module: bin/ holds the cmdlet and model assemblies (default load context),
# bin/dependencies/ the engine and its libraries (FrostGuard's private load context).
# shellcheck shell=bash

module_version() { sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" "$ROOT/FrostGuard.psd1"; }

# Runs a command with its output kept back, and shows that output when the command fails
# (a compiler error must never end the build in silence).
quietly() {
    local output
    if ! output=$("$@" 2>&1); then
        printf '%s\n' "$output" >&2
        die "failed: $*"
    fi
}

build_module() {
    local staging="$ARTIFACTS/publish"
    log "building the module (Release)"
    quietly dotnet publish "$ROOT/src/FrostGuard/FrostGuard.csproj" -c Release -o "$staging/cmdlets" -v quiet -nologo
    # ReadyToRun: the engine and its libraries (Markdig above all) start as precompiled code
    # instead of tier-0 JIT code, which runs a large parse several times slower.
    quietly dotnet publish "$ROOT/src/FrostGuard.Engine/FrostGuard.Engine.csproj" -c Release -o "$staging/engine" -v quiet -nologo \
        -r linux-x64 --self-contained false -p:PublishReadyToRun=true
    rm -rf "$ROOT/bin.new"
    mkdir -p "$ROOT/bin.new/dependencies"
    cp "$staging"/cmdlets/FrostGuard.{dll,pdb} "$staging"/cmdlets/FrostGuard.Model.{dll,pdb} "$ROOT/bin.new/"
    cp "$staging"/engine/*.dll "$staging"/engine/*.pdb "$ROOT/bin.new/dependencies/"
    # The model assembly lives in the default context only; a second copy would split its types.
    rm -f "$ROOT"/bin.new/dependencies/FrostGuard.Model.*
    [[ ! -e "$ROOT/bin.new/dependencies/System.Management.Automation.dll" ]] || die "System.Management.Automation.dll must never ship"
    rm -rf "$ROOT/bin" && mv "$ROOT/bin.new" "$ROOT/bin"
}

package_module() {
    local version out
    version=$(module_version)
    out="$ROOT/out/FrostGuard/$version"
    log "laying out $out"
    rm -rf "$out" && mkdir -p "$out"
    cp -a "$ROOT/FrostGuard.psd1" "$ROOT/bin" "$ROOT/module" "$out/"
    [[ -d "$ROOT/en-US" ]] && cp -a "$ROOT/en-US" "$out/"
    "$PWSH" -NoProfile -File "$ROOT/scripts/New-ModulePackage.ps1" -ModuleFolder "$out" -OutputFolder "$ROOT/out"
}
