# Builds the module: bin/ holds the cmdlet and model assemblies (default load context),
# bin/dependencies/ the engine and its libraries (FrostGuard's private load context).
# shellcheck shell=bash

module_version() { sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" "$ROOT/FrostGuard.psd1"; }

build_module() {
    local staging="$ARTIFACTS/publish"
    log "building the module (Release)"
    quietly dotnet publish "$ROOT/src/FrostGuard/FrostGuard.csproj" -c Release -o "$staging/cmdlets" -v quiet -nologo
    # ReadyToRun: the engine and its libraries (Markdig above all) start as precompiled code
    # instead of tier-0 JIT code, which runs a large parse several times slower and makes every
    # first call pay for the JIT. Directory.Build.targets makes that code one .NET 10 accepts.
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
    build_help
}

# en-US/FrostGuard.dll-Help.xml (MAML) and the about topics, from docs/cmdlets/*.md and
# docs/about_*.md, checked against the cmdlet metadata of bin/FrostGuard.dll. A console tool
# run here, not an MSBuild task: it needs the built cmdlet assembly and its dependencies laid
# out as they ship, and a page problem must fail the build with "file:line: error: ..." lines.
build_help() {
    local tool="$ARTIFACTS/helpbuilder" output
    log "building the help from docs/cmdlets"
    if ! output=$(dotnet build "$ROOT/src/FrostGuard.HelpBuilder/FrostGuard.HelpBuilder.csproj" -c Release -o "$tool" -v quiet -nologo 2>&1); then
        echo "$output" >&2
        die "building the help builder failed"
    fi
    rm -rf "$ROOT/en-US.new"
    (cd "$ROOT" && dotnet "$tool/FrostGuard.HelpBuilder.dll" --assembly bin/FrostGuard.dll --reference bin/dependencies \
        --pages docs/cmdlets --about docs --out en-US.new) || die "the help pages have problems (listed above as file:line); fix them and build again"
    rm -rf "$ROOT/en-US" && mv "$ROOT/en-US.new" "$ROOT/en-US"
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
