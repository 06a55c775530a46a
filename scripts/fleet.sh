# The fleet sandbox: the manual's horizontal architecture on this machine. Each "host" is its own
# sshd on 127.0.0.1 (own port, own host key, the powershell subsystem) with its own environment
# (sshd's SetEnv: HOME, so its own FrostGuard module folder and state, and FROSTGUARD_CONFIG),
# and its own Compose project with its own .env and frostguard.json:
#
#   db         PostgreSQL 15 (database frostguard), its data and backups
#   app1-app3  backend + worker, on the db host's database
#   lb         nginx: plain HTTP and TLS, round robin over the three backends, through an
#              upstream include FrostGuard writes (UpstreamFile.Render's format)
#
# FROSTGUARD_FLEET_LIGHT_HOSTS=N adds N "light hosts" (light1..lightN, role app, in their own
# inventory, inventory-light.md): only an sshd, their configuration a copy of the single-host
# sandbox's, for benchmarks of the fan-out itself.
#
# Everything is relocatable, so two fleets can run side by side: FROSTGUARD_FLEET_ROOT (state),
# FROSTGUARD_FLEET_BASE_PORT (every port is an offset from it, see below) and
# FROSTGUARD_FLEET_PROJECT_PREFIX (Compose project names; default: the root folder's name).
# Images are the sandbox's (./build.sh sandbox up builds them); nothing is built here.
# shellcheck shell=bash

FLEET_ROOT="${FROSTGUARD_FLEET_ROOT:-/var/lib/frostguard-fleet}"
FLEET_INVENTORY="$FLEET_ROOT/inventory.md"
FLEET_LIGHT_INVENTORY="$FLEET_ROOT/inventory-light.md"
FLEET_BASE_PORT="${FROSTGUARD_FLEET_BASE_PORT:-22200}"
FLEET_LIGHT_HOSTS="${FROSTGUARD_FLEET_LIGHT_HOSTS:-0}"
fleet_default_prefix() {
    local name
    name=$(basename "$FLEET_ROOT" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9_-]/-/g; s/^[^a-z0-9]*//')
    echo "${name:-frostguard-fleet}"
}
FLEET_PROJECT_PREFIX="${FROSTGUARD_FLEET_PROJECT_PREFIX:-$(fleet_default_prefix)}"
# name:offset:roles; the offset is the sshd's port above FLEET_BASE_PORT.
FLEET_HOSTS=(db:1:db app1:2:app app2:3:app app3:4:app lb:5:lb)
FLEET_APP_HOSTS=(app1 app2 app3)
# The other ports, as offsets from FLEET_BASE_PORT (with the default base: 22210, 22211-22213,
# 22220, 22221, 22301...). Offset 99 is left free: the tests use it as a port nobody listens on.
FLEET_PG_OFFSET=10        # the db host's PostgreSQL
FLEET_BACKEND_OFFSET=10   # + N: appN's backend
FLEET_LB_HTTP_OFFSET=20   # the load balancer, plain HTTP (the switch is verified through it)
FLEET_LB_TLS_OFFSET=21    # the load balancer, TLS (users, the lb host's health URL)
FLEET_LIGHT_OFFSET=100    # + i: lighti's sshd
FLEET_MAX_LIGHT_HOSTS=899
# The load balancer's upstream include (update.proxy of the lb host's frostguard.json).
FLEET_UPSTREAM_FILE=app.conf
FLEET_UPSTREAM_NAME=frostguard_app
FLEET_APP_UID=10001
FLEET_PROXY_UID=10002

fleet_port() { echo $((FLEET_BASE_PORT + $1)); }
fleet_backend_port() { fleet_port $((FLEET_BACKEND_OFFSET + ${1#app})); }
fleet_host_dir() { echo "$FLEET_ROOT/hosts/$1"; }
fleet_deployment() { echo "$FLEET_ROOT/hosts/$1/deployment"; }
fleet_project() { echo "$FLEET_PROJECT_PREFIX-$1"; }
fleet_role() {
    local entry name offset roles
    for entry in "${FLEET_HOSTS[@]}"; do
        IFS=: read -r name offset roles <<<"$entry"
        [[ "$name" == "$1" ]] && echo "$roles" && return 0
    done
    return 1
}

# Checked before anything changes, so a typo in a variable never half-builds a fleet.
fleet_check_settings() {
    [[ "$FLEET_BASE_PORT" =~ ^[0-9]+$ ]] || die "FROSTGUARD_FLEET_BASE_PORT='$FLEET_BASE_PORT' is not a number"
    [[ "$FLEET_LIGHT_HOSTS" =~ ^[0-9]+$ ]] && ((FLEET_LIGHT_HOSTS <= FLEET_MAX_LIGHT_HOSTS)) \
        || die "FROSTGUARD_FLEET_LIGHT_HOSTS='$FLEET_LIGHT_HOSTS' must be a number from 0 to $FLEET_MAX_LIGHT_HOSTS"
    # Every port below the kernel's ephemeral range (32768-60999), as the sandbox's.
    ((FLEET_BASE_PORT >= 1024 && FLEET_BASE_PORT + FLEET_LIGHT_OFFSET + FLEET_MAX_LIGHT_HOSTS < 32768)) \
        || die "FROSTGUARD_FLEET_BASE_PORT=$FLEET_BASE_PORT: the fleet's ports run from it to +$((FLEET_LIGHT_OFFSET + FLEET_MAX_LIGHT_HOSTS)), which must stay within 1024-32767"
    [[ "$FLEET_PROJECT_PREFIX" =~ ^[a-z0-9][a-z0-9_-]*$ ]] \
        || die "FROSTGUARD_FLEET_PROJECT_PREFIX='$FLEET_PROJECT_PREFIX' is not the start of a Compose project name (lower-case letters, digits, '-' and '_')"
    [[ "$FLEET_ROOT" == /* ]] || die "FROSTGUARD_FLEET_ROOT='$FLEET_ROOT' must be an absolute path"
}

ensure_openssh_server() {
    [[ -x /usr/sbin/sshd ]] && return 0
    log "installing Debian package: openssh-server (the fleet's hosts)"
    apt-get update -qq
    # No systemd here: the package's own service does not start, and must not.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
}

# --- sshd: one per host --------------------------------------------------------------------------

fleet_sshd_running() {
    local pidfile
    pidfile="$(fleet_host_dir "$1")/sshd.pid"
    [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

write_fleet_host() {
    local name=$1 port=$2 mode=${3:-0700} dir
    dir=$(fleet_host_dir "$name")
    install -d -m "$mode" "$dir"
    install -d -m 0700 "$dir/home"
    [[ -f "$dir/ssh_host_ed25519_key" ]] || ssh-keygen -q -t ed25519 -N '' -C "frostguard-fleet-$name" -f "$dir/ssh_host_ed25519_key"
    install -m 0600 "$FLEET_ROOT/controller/id_ed25519.pub" "$dir/authorized_keys"
    cat >"$dir/sshd_config.tmp" <<CONF
# FrostGuard fleet sandbox host '$name' (written by ./build.sh fleet up).
ListenAddress 127.0.0.1
Port $port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers root
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
SetEnv HOME=$dir/home FROSTGUARD_CONFIG=$dir/frostguard.json FROSTGUARD_FLEET_HOST=$name
Subsystem powershell $PWSH -sshs -NoLogo -NoProfile
CONF
    mv "$dir/sshd_config.tmp" "$dir/sshd_config"
}

start_fleet_host() {
    local name=$1 dir
    dir=$(fleet_host_dir "$name")
    fleet_sshd_running "$name" && kill -HUP "$(cat "$dir/sshd.pid")" && return 0 # reread a rewritten config
    /usr/sbin/sshd -t -f "$dir/sshd_config" || die "the sshd configuration of fleet host $name is invalid: $dir/sshd_config"
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    wait_for 10 "fleet host $name listens" fleet_sshd_running "$name" || die "the sshd of fleet host $name did not start; read $dir/sshd.log"
}

# Stops the sshd of each host named (its PID from its own pid file): all signalled, then waited for.
stop_fleet_hosts() {
    local name pid pids=() names=()
    for name in "$@"; do
        fleet_sshd_running "$name" || continue
        pid=$(cat "$(fleet_host_dir "$name")/sshd.pid")
        kill "$pid"
        pids+=("$pid")
        names+=("$name")
    done
    local i
    for i in "${!pids[@]}"; do
        wait_for 10 "fleet host ${names[$i]} stopped" bash -c "! kill -0 ${pids[$i]} 2>/dev/null" \
            || die "the sshd of fleet host ${names[$i]} (PID ${pids[$i]}) did not stop"
    done
}

# Every host folder there is, light hosts of an earlier run included: the fleet's hosts in
# inventory order, then the light ones by number.
fleet_existing_hosts() {
    local entry dir
    for entry in "${FLEET_HOSTS[@]}"; do
        if [[ -d "$(fleet_host_dir "${entry%%:*}")" ]]; then echo "${entry%%:*}"; fi
    done
    for dir in "$FLEET_ROOT"/hosts/light*/; do
        if [[ -d "$dir" ]]; then basename "$dir"; fi
    done | sort -V
}

# --- .env files ----------------------------------------------------------------------------------

fleet_env_value() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }

# Sets KEY=value lines in an .env (mode 0600, owner $2), keeping every other line; the file is
# replaced only when its content changes, so a container's single-file mount of it stays current.
fleet_env_write() {
    local file=$1 owner=$2
    shift 2
    [[ -f "$file" ]] || (umask 077 && : >"$file")
    (umask 077 && printf '%s\n' "$@" | awk '
        NR == FNR { i = index($0, "="); k = substr($0, 1, i - 1); want[k] = $0; order[++n] = k; next }
        { i = index($0, "="); k = substr($0, 1, i - 1) }
        i > 1 && (k in want) { if (!(k in done)) print want[k]; done[k] = 1; next }
        { print }
        END { for (j = 1; j <= n; j++) if (!(order[j] in done)) print want[order[j]] }' - "$file" >"$file.tmp")
    if cmp -s "$file.tmp" "$file"; then
        rm -f "$file.tmp"
    else
        mv "$file.tmp" "$file"
    fi
    chown "$owner:$owner" "$file"
    chmod 0600 "$file"
}

# Appends KEY=value unless the .env has the key: values that belong to FrostGuard (or to the
# operator) once written, such as the image tags and the database password.
fleet_env_once() {
    local file=$1 key=$2 value=$3
    grep -q "^$key=" "$file" 2>/dev/null && return 0
    (umask 077 && printf '%s=%s\n' "$key" "$value" >>"$file")
}

fleet_db_password() { fleet_env_value "$(fleet_deployment db)/.env" POSTGRES_PASSWORD; }

write_fleet_env() {
    local name=$1 role env
    role=$(fleet_role "$name")
    env="$(fleet_deployment "$name")/.env"
    case $role in
        db)
            if [[ ! -f "$env" ]] || ! grep -q '^POSTGRES_PASSWORD=' "$env"; then
                log "generating the fleet database's password in $env"
                fleet_env_once "$env" POSTGRES_PASSWORD "$(openssl rand -base64 32 | tr -d '/+=\n' | cut -c1-32)"
            fi
            fleet_env_write "$env" 0 "COMPOSE_PROJECT_NAME=$(fleet_project db)" \
                "PG_UID=$(id -u postgres)" "PG_GID=$(id -g postgres)" \
                "PG_PORT=$(fleet_port $FLEET_PG_OFFSET)" "PG_DATA=$(fleet_host_dir db)/data/postgres"
            ;;
        app)
            fleet_env_once "$env" BACKEND_TAG current
            fleet_env_once "$env" WORKER_TAG current
            # The backend (uid FLEET_APP_UID) reads the database password from this file; it is the
            # db host's, copied at every up (a password rotated on the db host reaches the apps).
            fleet_env_write "$env" "$FLEET_APP_UID" "COMPOSE_PROJECT_NAME=$(fleet_project "$name")" \
                "APP_UID=$FLEET_APP_UID" "APP_GID=$FLEET_APP_UID" "BACKEND_PORT=$(fleet_backend_port "$name")" \
                "DB_HOST=127.0.0.1" "DB_PORT=$(fleet_port $FLEET_PG_OFFSET)" "POSTGRES_PASSWORD=$(fleet_db_password)"
            ;;
        lb)
            # The password is here only for FrostGuard's own database check on this host (its
            # configuration must have a database section); nginx never reads this file.
            fleet_env_write "$env" 0 "COMPOSE_PROJECT_NAME=$(fleet_project lb)" \
                "PROXY_UID=$FLEET_PROXY_UID" "PROXY_GID=$FLEET_PROXY_UID" \
                "LB_HTTP_PORT=$(fleet_port $FLEET_LB_HTTP_OFFSET)" "LB_TLS_PORT=$(fleet_port $FLEET_LB_TLS_OFFSET)" \
                "TLS_DIR=$(fleet_host_dir lb)/tls" "UPSTREAM_DIR=$(fleet_host_dir lb)/upstream" \
                "UPSTREAM_FILE=$FLEET_UPSTREAM_FILE" "UPSTREAM_NAME=$FLEET_UPSTREAM_NAME" \
                "POSTGRES_PASSWORD=$(fleet_db_password)"
            ;;
    esac
}

# --- each host's deployment ----------------------------------------------------------------------

# The compose file (and what it mounts) from sandbox/fleet/<role>/, in a git repository of its own,
# as a real deployment checkout would be.
write_fleet_deployment() {
    local name=$1 role deployment
    role=$(fleet_role "$name")
    deployment=$(fleet_deployment "$name")
    install -d -m 0755 "$deployment"
    cp "$ROOT/sandbox/fleet/$role/docker-compose.yml" "$deployment/docker-compose.yml"
    cp "$ROOT/sandbox/deployment/gitignore" "$deployment/.gitignore"
    case $role in
        db)
            install -d -m 0755 "$deployment/postgres"
            install -m 0644 "$ROOT/sandbox/deployment/postgres/pg_hba.conf" "$deployment/postgres/pg_hba.conf"
            ;;
        lb)
            install -d -m 0755 "$deployment/proxy"
            install -m 0644 "$ROOT/sandbox/fleet/lb/proxy/nginx.conf.template" "$deployment/proxy/nginx.conf.template"
            ;;
    esac
    local git=(git -C "$deployment" -c user.name="FrostGuard fleet sandbox" -c user.email=fleet@localhost)
    [[ -d "$deployment/.git" ]] || "${git[@]}" init -q -b main
    "${git[@]}" add -A
    if ! "${git[@]}" diff --cached --quiet; then
        "${git[@]}" commit -q -m "fleet host $name: deployment files from FrostGuard $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo checkout)"
    fi
}

initialize_fleet_database() {
    local dir data
    dir=$(fleet_host_dir db)
    data="$dir/data/postgres"
    [[ -s "$data/PG_VERSION" ]] && return 0
    log "initializing PostgreSQL 15 for the fleet in $data"
    # initdb runs as postgres on this machine: the folders above the data directory let it pass.
    install -d -m 0711 "$dir/data"
    fleet_db_password | initialize_postgres_cluster "$data" "$dir/initdb.log" "the fleet"
}

# The load balancer's upstream include, written once exactly as FrostGuard writes it
# (UpstreamFile.Render): every application host's backend, the target named after them. After
# that it is FrostGuard's: a switch rewrites it and reloads nginx.
write_fleet_upstream() {
    local folder file name servers="" target=""
    folder="$(fleet_host_dir lb)/upstream"
    file="$folder/$FLEET_UPSTREAM_FILE"
    install -d -m 0755 "$folder"
    [[ -s "$file" ]] && return 0
    for name in "${FLEET_APP_HOSTS[@]}"; do
        servers+="    server 127.0.0.1:$(fleet_backend_port "$name");"$'\n'
        target+="${target:++}$name"
    done
    log "writing the load balancer's upstream include ($target)"
    cat >"$file.tmp" <<CONF
# Written by FrostGuard: what the proxy forwards to. Do not edit: Update-FrostDeployment and
# Undo-FrostDeployment switch it (docs/updates.md).
upstream $FLEET_UPSTREAM_NAME {
${servers}    keepalive 16;
}
map \$host \$frostguard_slot {
    default "$target";
}
CONF
    chmod 0644 "$file.tmp"
    mv "$file.tmp" "$file"
}

# The load balancer's certificate (scripts/sandbox.sh writes it as it writes the sandbox proxy's).
write_fleet_certificate() { write_localhost_certificate "$(fleet_host_dir lb)/tls" "$FLEET_PROXY_UID" "the fleet's load balancer"; }

# Each host's frostguard.json, for what that host runs. Every one needs a database section (the
# configuration requires it): the db host's PostgreSQL, its password from the host's own .env.
write_fleet_config() {
    local name=$1 role dir database common
    role=$(fleet_role "$name")
    dir=$(fleet_host_dir "$name")
    install -d -m 0700 "$dir/backups"
    chmod 0700 "$dir/backups"
    common="\"project\": { \"name\": \"$(fleet_project "$name")\", \"directory\": \"$(fleet_deployment "$name")\" },
  \"docker\": { \"endpoint\": \"unix:///var/run/docker.sock\" },
  \"database\": {
    \"service\": \"postgres\",
    \"host\": \"127.0.0.1\",
    \"port\": $(fleet_port $FLEET_PG_OFFSET),
    \"name\": \"frostguard\",
    \"user\": \"frostguard\",
    \"password\": { \"envFileKey\": \"POSTGRES_PASSWORD\" }
  },
  \"backupRoot\": \"$dir/backups\",
  \"stateFolder\": \"$dir/home/.local/state/frostguard\",
  \"manualPath\": \"$ROOT/runbooks\""
    case $role in
        db)
            printf '{\n  %s\n}\n' "$common" >"$dir/frostguard.json.tmp"
            ;;
        app)
            local port
            port=$(fleet_backend_port "$name")
            cat >"$dir/frostguard.json.tmp" <<JSON
{
  $common,
  "health": {
    "healthUrl": "http://127.0.0.1:$port/health",
    "metricsUrl": "http://127.0.0.1:$port/metrics"
  },
  "update": { "strategy": "stopThenStart", "service": "backend" }
}
JSON
            ;;
        lb)
            cat >"$dir/frostguard.json.tmp" <<JSON
{
  $common,
  "health": { "healthUrl": "https://localhost:$(fleet_port $FLEET_LB_TLS_OFFSET)/health" },
  "tls": { "domain": "localhost", "port": $(fleet_port $FLEET_LB_TLS_OFFSET), "caFile": "$dir/tls/cert.pem" },
  "update": {
    "strategy": "stopThenStart",
    "proxy": {
      "service": "proxy",
      "upstreamFolder": "$dir/upstream",
      "upstreamFile": "$FLEET_UPSTREAM_FILE",
      "upstreamName": "$FLEET_UPSTREAM_NAME",
      "internalUrl": "http://127.0.0.1:$(fleet_port $FLEET_LB_HTTP_OFFSET)",
      "verifyPath": "/health",
      "testCommand": ["/usr/sbin/nginx", "-e", "stderr", "-t", "-q", "-c", "/tmp/nginx.conf"],
      "drainTimeoutSeconds": 30
    }
  }
}
JSON
            ;;
    esac
    chmod 0600 "$dir/frostguard.json.tmp"
    mv "$dir/frostguard.json.tmp" "$dir/frostguard.json"
}

# --- Compose -------------------------------------------------------------------------------------

FLEET_COMPOSE=()
fleet_compose() {
    local name=$1
    shift
    if ((${#FLEET_COMPOSE[@]} == 0)); then
        FLEET_COMPOSE=(docker-compose)
        docker compose version >/dev/null 2>&1 && FLEET_COMPOSE=(docker compose)
    fi
    (cd "$(fleet_deployment "$name")" && "${FLEET_COMPOSE[@]}" -p "$(fleet_project "$name")" "$@")
}

# A project name another fleet (another root) already uses would be taken over: refuse.
fleet_check_projects() {
    local entry name project owner owners
    owners=$(docker ps -a --filter label=com.docker.compose.project \
        --format '{{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.project.working_dir"}}' | sort -u)
    for entry in "${FLEET_HOSTS[@]}"; do
        name=${entry%%:*}
        project=$(fleet_project "$name")
        for owner in $(awk -v p="$project" '$1 == p { print $2 }' <<<"$owners"); do
            [[ "$owner" == "$(fleet_deployment "$name")" ]] \
                || die "the Compose project $project belongs to another deployment ($owner); set FROSTGUARD_FLEET_PROJECT_PREFIX for this fleet"
        done
    done
}

# What a project's containers are made from: its compose file, its .env and the sandbox's image ids.
fleet_compose_fingerprint() {
    local deployment
    deployment=$(fleet_deployment "$1")
    { cat "$deployment/docker-compose.yml" "$deployment/.env"; printf '%s\n' "$2"; } | sha256sum | cut -d' ' -f1
}

# The fleet's projects, up at once (each waits only for its own Compose); the backends wait for
# the database by themselves. A project whose containers are all healthy and made from what they
# were last brought up from is left alone (a second up is quick). Output per host in its folder,
# shown when it fails.
fleet_compose_up_all() {
    local entry name dir images states pids=() names=() failed=()
    images=$(docker images --no-trunc --filter 'reference=frostguard-sandbox/*' --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort)
    states=$(fleet_container_states)
    for entry in "${FLEET_HOSTS[@]}"; do
        name=${entry%%:*}
        dir=$(fleet_host_dir "$name")
        if [[ "$(cat "$dir/compose-up.fingerprint" 2>/dev/null)" == "$(fleet_compose_fingerprint "$name" "$images")" ]] \
            && fleet_project_healthy "$states" "$name"; then
            continue
        fi
        rm -f "$dir/compose-up.fingerprint"
        fleet_compose "$name" up -d --remove-orphans >"$dir/compose-up.log" 2>&1 &
        pids+=($!)
        names+=("$name")
    done
    local i
    for i in "${!pids[@]}"; do
        if wait "${pids[$i]}"; then
            fleet_compose_fingerprint "${names[$i]}" "$images" >"$(fleet_host_dir "${names[$i]}")/compose-up.fingerprint"
        else
            failed+=("${names[$i]}")
        fi
    done
    for name in "${failed[@]}"; do
        cat "$(fleet_host_dir "$name")/compose-up.log" >&2
    done
    ((${#failed[@]} == 0)) || die "docker-compose up failed for fleet host(s): ${failed[*]}"
}

# One line per running Compose container on this machine: its project and its health (or state
# when it has no health check). One docker call for the whole fleet.
fleet_container_states() {
    local ids
    ids=$(docker ps -q --filter label=com.docker.compose.project)
    [[ -n "$ids" ]] || return 0
    # shellcheck disable=SC2086 # one id a word
    docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' $ids
}

fleet_expected_services() { case $(fleet_role "$1") in app) echo 2 ;; *) echo 1 ;; esac; }

# In the states given: every running container of the host's project healthy, and at least as
# many as the project has services.
fleet_project_healthy() {
    awk -v p="$(fleet_project "$2")" -v want="$(fleet_expected_services "$2")" '
        $1 == p { n++; if ($2 != "healthy") sick++ }
        END { exit !(n >= want && !sick) }' <<<"$1"
}

fleet_all_healthy() {
    local entry states
    states=$(fleet_container_states)
    for entry in "${FLEET_HOSTS[@]}"; do
        fleet_project_healthy "$states" "${entry%%:*}" || return 1
    done
}

# --- inventories ---------------------------------------------------------------------------------

# An application host's Upstream cell: the server the load balancer forwards to (light hosts have none).
fleet_inventory_row() {
    local upstream=""
    [[ $1 == app[0-9]* ]] && upstream="127.0.0.1:$(fleet_backend_port "$1")"
    echo "| $1 | 127.0.0.1 | $2 | root | | $3 | $(fleet_host_dir "$1")/frostguard.json | $upstream |"
}
fleet_known_host() { echo "[127.0.0.1]:$2 $(cut -d' ' -f1,2 "$(fleet_host_dir "$1")/ssh_host_ed25519_key.pub")"; }

# An inventory: the settings table (the fleet's known-hosts file and the controller's key) and
# the rows given.
write_fleet_inventory_file() {
    local file=$1 title=$2 text=$3 rows=$4
    cat >"$file.tmp" <<MD
# $title

$text

| Setting     | Value                    |
|-------------|--------------------------|
| Known hosts | known_hosts              |
| Key file    | controller/id_ed25519    |

| Host | Address | Port | User | Key file | Roles | Config | Upstream |
|------|---------|------|------|----------|-------|--------|----------|
$rows
MD
    mv "$file.tmp" "$file"
}

write_fleet_inventories() {
    local entry name offset roles rows="" light_rows="" known="" i port
    for entry in "${FLEET_HOSTS[@]}"; do
        IFS=: read -r name offset roles <<<"$entry"
        port=$(fleet_port "$offset")
        rows+="$(fleet_inventory_row "$name" "$port" "$roles")"$'\n'
        known+="$(fleet_known_host "$name" "$port")"$'\n'
    done
    for ((i = 1; i <= FLEET_LIGHT_HOSTS; i++)); do
        port=$(fleet_port $((FLEET_LIGHT_OFFSET + i)))
        light_rows+="$(fleet_inventory_row "light$i" "$port" app)"$'\n'
        known+="$(fleet_known_host "light$i" "$port")"$'\n'
    done
    # The controller trusts exactly the keys generated here (an operator verifies them out of band).
    printf '%s' "$known" >"$FLEET_ROOT/known_hosts.tmp" && chmod 0600 "$FLEET_ROOT/known_hosts.tmp" && mv "$FLEET_ROOT/known_hosts.tmp" "$FLEET_ROOT/known_hosts"
    write_fleet_inventory_file "$FLEET_INVENTORY" "FrostGuard fleet sandbox" \
        "The manual's horizontal architecture on one machine: a database host, three application hosts
and a load balancer, each its own sshd on 127.0.0.1 and its own Compose project (docs/fleet.md)." "$rows"
    if ((FLEET_LIGHT_HOSTS > 0)); then
        write_fleet_inventory_file "$FLEET_LIGHT_INVENTORY" "FrostGuard fleet sandbox: light hosts" \
            "Hosts that are only an sshd: each operates the single-host sandbox (its configuration is a copy
of the sandbox's), for benchmarks of the fan-out itself (docs/fleet.md)." "$light_rows"
    else
        rm -f "$FLEET_LIGHT_INVENTORY"
    fi
}

# --- up, down, status ----------------------------------------------------------------------------

fleet_up() {
    fleet_check_settings
    ensure_openssh_server
    ensure_dockerd
    local images=(frostguard-sandbox/postgres:15 frostguard-sandbox/backend:current frostguard-sandbox/worker:current frostguard-sandbox/proxy:local)
    docker image inspect "${images[@]}" >/dev/null 2>&1 \
        || die "the fleet runs the sandbox's images ($(IFS=,; echo "${images[*]}")) and one is missing: run ./build.sh sandbox up first"
    if ((FLEET_LIGHT_HOSTS > 0)) && [[ ! -f "$SANDBOX_CONFIG" ]]; then
        die "light hosts operate the sandbox: run ./build.sh sandbox up first (or FROSTGUARD_FLEET_LIGHT_HOSTS=0)"
    fi
    fleet_check_projects
    # The root and hosts/ can be passed through (never listed): initdb runs as postgres here.
    install -d -m 0711 "$FLEET_ROOT" "$FLEET_ROOT/hosts"
    install -d -m 0700 "$FLEET_ROOT/controller"
    [[ -f "$FLEET_ROOT/controller/id_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C frostguard-fleet-controller -f "$FLEET_ROOT/controller/id_ed25519"
    install -d -m 0755 /run/sshd

    local entry name offset roles
    for entry in "${FLEET_HOSTS[@]}"; do
        IFS=: read -r name offset roles <<<"$entry"
        write_fleet_host "$name" "$(fleet_port "$offset")" "$([[ $name == db ]] && echo 0711 || echo 0700)"
        write_fleet_deployment "$name"
    done
    # The db host's .env first: the others copy its password.
    for entry in "${FLEET_HOSTS[@]}"; do
        write_fleet_env "${entry%%:*}"
    done
    initialize_fleet_database
    write_fleet_upstream
    write_fleet_certificate
    log "bringing up the fleet's Compose projects ($FLEET_PROJECT_PREFIX-db, -app1..3, -lb)"
    fleet_compose_up_all
    for entry in "${FLEET_HOSTS[@]}"; do
        name=${entry%%:*}
        write_fleet_config "$name"
        start_fleet_host "$name"
    done

    local i light
    for ((i = 1; i <= FLEET_LIGHT_HOSTS; i++)); do
        light="light$i"
        write_fleet_host "$light" "$(fleet_port $((FLEET_LIGHT_OFFSET + i)))"
        # A light host: the shared sandbox's configuration, read by this host's own FrostGuard.
        install -m 0600 "$SANDBOX_CONFIG" "$(fleet_host_dir "$light")/frostguard.json"
        start_fleet_host "$light"
    done
    # Light hosts of an earlier, larger run stop (their folders stay).
    local surplus=()
    for name in $(fleet_existing_hosts); do
        if [[ "$name" =~ ^light([0-9]+)$ ]] && ((BASH_REMATCH[1] > FLEET_LIGHT_HOSTS)); then
            surplus+=("$name")
        fi
    done
    ((${#surplus[@]} == 0)) || stop_fleet_hosts "${surplus[@]}"

    write_fleet_inventories
    if ! wait_for 180 "all fleet services are healthy" fleet_all_healthy; then
        fleet_status >&2
        die "the fleet did not become healthy within 180 s; see the table above and 'docker logs <container>'"
    fi
    log "fleet inventory: $FLEET_INVENTORY (export FROSTGUARD_INVENTORY=$FLEET_INVENTORY)"
    ((FLEET_LIGHT_HOSTS == 0)) || log "light hosts: $FLEET_LIGHT_INVENTORY"
}

# Stops every host's sshd and removes the fleet's containers (compose down: data, .env files and
# keys stay, so the next up is quick and keeps the database).
fleet_down() {
    local entry name deployments=()
    for entry in "${FLEET_HOSTS[@]}"; do
        name=${entry%%:*}
        [[ -f "$(fleet_deployment "$name")/docker-compose.yml" ]] && deployments+=("$name")
    done
    if ((${#deployments[@]} > 0)); then
        if docker_answers; then
            # All at once: PostgreSQL stops with a fast shutdown (SIGINT), whoever is still connected.
            # The other containers hold no data: 3 s to stop, not 10 (the sandbox's worker does not
            # exit on SIGTERM and is killed when the time is up either way).
            local pid pids=() names=() failed=() timeout
            for name in "${deployments[@]}"; do
                timeout=3
                [[ "$name" == db ]] && timeout=10
                fleet_compose "$name" down --remove-orphans --timeout "$timeout" >"$(fleet_host_dir "$name")/compose-down.log" 2>&1 &
                pids+=($!)
                names+=("$name")
            done
            local i
            for i in "${!pids[@]}"; do
                wait "${pids[$i]}" || failed+=("${names[$i]}")
            done
            for name in "${failed[@]}"; do
                cat "$(fleet_host_dir "$name")/compose-down.log" >&2
            done
            ((${#failed[@]} == 0)) || die "docker-compose down failed for fleet host(s): ${failed[*]}"
            log "removed the fleet's containers (data kept in $FLEET_ROOT)"
        else
            log "Docker does not answer: no fleet containers to remove"
        fi
    fi
    # shellcheck disable=SC2046 # host names are single words
    stop_fleet_hosts $(fleet_existing_hosts)
}

fleet_status() {
    local name port roles id
    printf '%-8s %-6s %-8s %-6s %s\n' HOST PORT SSHD ROLES CONTAINERS
    for name in $(fleet_existing_hosts); do
        roles=$(fleet_role "$name" || echo app)
        port=$(sed -n 's/^Port //p' "$(fleet_host_dir "$name")/sshd_config" 2>/dev/null)
        local containers=""
        if [[ "$name" != light* ]]; then
            for id in $(docker ps -aq --filter "label=com.docker.compose.project=$(fleet_project "$name")" 2>/dev/null); do
                containers+="$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}={{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id") "
            done
        fi
        printf '%-8s %-6s %-8s %-6s %s\n' "$name" "${port:-?}" "$(fleet_sshd_running "$name" && echo running || echo stopped)" "$roles" "${containers:--}"
    done
}
