# ./build.sh fresh-check: the README's two commands on a machine that has never seen FrostGuard.
#
# A pristine Debian 12 root made by debootstrap, made the root of new mount and PID namespaces
# (unshare, then pivot_root), on the host's network. Not a privileged container: Docker's
# --privileged asks for every capability, and this kind of machine withholds CAP_SYS_RESOURCE,
# so runc refuses it ("unable to apply caps"). The namespaces give what the container would:
# everything started inside (dockerd, containerd, the sandbox's containers, PostgreSQL, test
# servers) lives in the new PID namespace and is killed by the kernel when its first process
# ends, and every mount made inside (proc, sys, dev, Docker's overlays) vanishes with the mount
# namespace. The root is a plain folder on the host's disk, so its own Docker daemon keeps its
# data there without overlay on overlay. Its /var/lib/frostguard-sandbox, /root and /etc are
# its own: the host's sandbox and state are never touched.
#
# Into that root go only what a new user brings: a clean clone of this repository's HEAD, the
# .NET 10 SDK (Debian 12 has none) and the settings that reach the package registries, which
# are printed. Not part of CI: it takes as long as a first test run on a new machine.
# shellcheck shell=bash

FRESH_WORK="$ARTIFACTS/fresh"
FRESH_PRISTINE="$FRESH_WORK/pristine"
FRESH_RUN="$FRESH_WORK/root"
FRESH_MIRROR=http://deb.debian.org/debian
# The sandbox's ports and the ports the tests listen on (the recovery drill, the standby, Prometheus).
FRESH_PORTS=(25432 28080 28081 28082 28443 25482 28130 28131 28132 28493 25493 29093)
# What a new user brings besides the clone: the SDK and the settings that reach the registries.
FRESH_SDK=/usr/share/dotnet
FRESH_SETTINGS=(
    /etc/apt/sources.list.d/debian.sources
    /etc/apt/apt.conf.d/99artifact-registry
    /usr/local/share/ca-certificates
    /root/.npmrc
)
FRESH_ENVIRONMENT=(
    NUGET_CERT_REVOCATION_MODE=offline
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
)

# Ports of the sandbox or the tests that something on this machine listens on.
busy_fresh_ports() {
    local port listening
    listening=$(ss -Hltn | awk '{print $4}' | sed 's/.*://')
    for port in "${FRESH_PORTS[@]}"; do
        grep -qx "$port" <<<"$listening" && printf '%s ' "$port"
    done
    return 0
}

print_fresh_settings() {
    log "copied in from this machine (what a new user brings):"
    printf '    %s\n' "the .NET 10 SDK: $FRESH_SDK ($(dotnet --version))" "a clean clone of HEAD ($(git -C "$ROOT" rev-parse --short HEAD))" >&2
    local setting
    for setting in "${FRESH_SETTINGS[@]}"; do
        [[ -e "$setting" ]] && printf '    %s\n' "$setting" >&2
    done
    printf '    environment: %s\n' "${FRESH_ENVIRONMENT[@]}" "the name servers of /etc/resolv.conf (the network it shares)" >&2
}

# The pristine root: debootstrap, the SDK and the settings, kept as it is (nothing ever runs in
# it) and made again when its inputs change. Every run starts from a new copy of it.
build_fresh_root() {
    local inputs hash
    inputs=$(
        echo "debootstrap bookworm $FRESH_MIRROR ca-certificates"
        dotnet --version
        local setting
        for setting in "${FRESH_SETTINGS[@]}"; do
            [[ -e "$setting" ]] && find "$setting" -type f -exec sha256sum {} +
        done
    )
    hash=$(sha256sum <<<"$inputs" | cut -c1-16)
    [[ -f "$FRESH_PRISTINE.$hash" && -d "$FRESH_PRISTINE" ]] && return 0

    rm -rf "$FRESH_PRISTINE" "$FRESH_PRISTINE".* && mkdir -p "$FRESH_PRISTINE"
    log "debootstrap: a pristine Debian 12 root in $FRESH_PRISTINE"
    quietly debootstrap --include=ca-certificates bookworm "$FRESH_PRISTINE" "$FRESH_MIRROR"
    log "copying in the .NET SDK and the registry settings"
    cp -a "$FRESH_SDK" "$FRESH_PRISTINE/usr/share/dotnet"
    ln -sf /usr/share/dotnet/dotnet "$FRESH_PRISTINE/usr/bin/dotnet"
    rm -f "$FRESH_PRISTINE/etc/apt/sources.list"
    local setting
    for setting in "${FRESH_SETTINGS[@]}"; do
        [[ -e "$setting" ]] || continue
        mkdir -p "$FRESH_PRISTINE$(dirname "$setting")"
        cp -a "$setting" "$FRESH_PRISTINE$(dirname "$setting")/"
    done
    # The name service of the network it shares, as any machine on that network has.
    cp /etc/resolv.conf "$FRESH_PRISTINE/etc/resolv.conf"
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$FRESH_PRISTINE/etc/hosts"
    quietly chroot "$FRESH_PRISTINE" update-ca-certificates
    touch "$FRESH_PRISTINE.$hash"
}

# Runs as the first process of the new PID and mount namespaces, still seeing the host's files:
# mounts what a booted machine has into the root, makes the root the namespace's own / with
# pivot_root and lets go of the host's files, then runs the README's two commands one after the
# other, as a new user would. A chroot is not enough: runc cannot pivot_root out of one, and a
# container's `docker exec` processes then saw the host's / instead of the container's.
fresh_commands() {
    cat <<'SCRIPT'
set -eu
root=$1
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mkdir -p "$root/.host"
cd "$root"
pivot_root . .host
exec /bin/bash -c '
set -u
umount -l /.host && rmdir /.host
export HOME=/root LANG=C.UTF-8 TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd /root/FrostGuard
started=$SECONDS
./build.sh demo
echo "FRESH demo exit=$? seconds=$((SECONDS - started))"
started=$SECONDS
./build.sh test
echo "FRESH test exit=$? seconds=$((SECONDS - started))"
'
SCRIPT
}

fresh_check() {
    local busy
    busy=$(busy_fresh_ports)
    [[ -z "$busy" ]] || die "something listens on port(s) $busy, which the fresh root's sandbox and tests use on this shared network; stop it first (./build.sh sandbox down stops the sandbox)"
    command -v debootstrap >/dev/null || { log "installing Debian package: debootstrap"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    print_fresh_settings
    build_fresh_root

    log "a new copy of the pristine root in $FRESH_RUN, with a clean clone of HEAD in /root/FrostGuard"
    rm -rf "$FRESH_RUN"
    cp -a "$FRESH_PRISTINE" "$FRESH_RUN"
    git clone --quiet --no-hardlinks "$ROOT" "$FRESH_RUN/root/FrostGuard"
    local log_file="$FRESH_WORK/fresh-check.log"
    : >"$log_file"

    log "running ./build.sh demo, then ./build.sh test, in the fresh root (log: $log_file)"
    # When the namespace's first process ends, the kernel kills every other process in it; if this
    # script is stopped, --kill-child ends that first process (unshare itself ignores SIGTERM, so
    # the trap kills it outright). env -i: nothing of this shell's environment goes in but the
    # registry settings.
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${FRESH_ENVIRONMENT[@]}" unshare --mount --pid --fork --kill-child --propagation private \
        /bin/bash -c "$(fresh_commands)" fresh-root "$FRESH_RUN" >"$log_file" 2>&1 &
    local namespace=$!
    trap 'kill -KILL $namespace 2>/dev/null' INT TERM EXIT
    tail -n +1 -f --pid="$namespace" "$log_file"
    wait "$namespace" || true
    trap - INT TERM EXIT

    local demo test summary
    demo=$(sed -n 's/^FRESH demo exit=\([0-9]*\) seconds=\([0-9]*\)$/exit \1, \2 s/p' "$log_file")
    test=$(sed -n 's/^FRESH test exit=\([0-9]*\) seconds=\([0-9]*\)$/exit \1, \2 s/p' "$log_file")
    summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log_file" | tail -n 1 || true)
    echo "fresh-check: ./build.sh demo: ${demo:-did not finish}; ./build.sh test: ${test:-did not finish}"
    echo "fresh-check: ${summary:-no test summary line}"
    [[ "$demo" == "exit 0,"* && "$test" == "exit 0,"* ]]
}
