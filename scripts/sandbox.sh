# The sandbox: a real FrostGuard deployment on this machine, as a Docker Compose project.
# Its deployment directory (compose files, .env) lives outside the checkout, in the sandbox's
# state folder, and is a git repository of its own, as a real deployment checkout would be.
# shellcheck shell=bash

# A second instance (another project, root and ports) can run beside the default one, e.g. for
# a recovery drill or a parallel worktree: set these before ./build.sh sandbox up.
SANDBOX_PROJECT="${FROSTGUARD_SANDBOX_PROJECT:-frostguard-sandbox}"
SANDBOX_ROOT="${FROSTGUARD_SANDBOX_ROOT:-/var/lib/frostguard-sandbox}"
SANDBOX_DEPLOYMENT="$SANDBOX_ROOT/deployment"
SANDBOX_CONFIG="$SANDBOX_ROOT/frostguard.json"
# Below the kernel's ephemeral range (32768-60999): a listening port inside it can be taken by
# the local end of any outgoing connection, and a restarted service then fails to bind (seen
# with the drill's PostgreSQL on 55482).
SANDBOX_PG_PORT="${FROSTGUARD_SANDBOX_PG_PORT:-25432}"
SANDBOX_BACKEND_PORT="${FROSTGUARD_SANDBOX_BACKEND_PORT:-28080}"
SANDBOX_PROXY_PORT="${FROSTGUARD_SANDBOX_PROXY_PORT:-28443}"
# The backend's two slots (docs/updates.md); the proxy's internal listener keeps BACKEND_PORT.
SANDBOX_BLUE_PORT="${FROSTGUARD_SANDBOX_BLUE_PORT:-$((SANDBOX_BACKEND_PORT + 1))}"
SANDBOX_GREEN_PORT="${FROSTGUARD_SANDBOX_GREEN_PORT:-$((SANDBOX_BACKEND_PORT + 2))}"
SANDBOX_UPSTREAM="$SANDBOX_ROOT/proxy-upstream"
SANDBOX_APP_UID=10001
SANDBOX_PROXY_UID=10002
SANDBOX_BACKEND_TAGS=(current next broken)

compose() {
    local tool=(docker-compose)
    docker compose version >/dev/null 2>&1 && tool=(docker compose)
    (cd "$SANDBOX_DEPLOYMENT" && "${tool[@]}" -p "$SANDBOX_PROJECT" "$@")
}

# docker import takes a tarball; an image is rebuilt only when its content hash changes.
import_image() {
    local tag=$1 tarball=$2 hash=$3
    shift 3
    local current
    current=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null | sed -n 's/^FROSTGUARD_IMAGE_HASH=//p' || true)
    [[ "$current" == "$hash" ]] && return 0
    log "building image $tag"
    local previous
    previous=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
    docker import "$@" --change "ENV FROSTGUARD_IMAGE_HASH=$hash" "$tarball" "$tag" >/dev/null
    # The replaced image is left untagged; remove it unless a container still uses it.
    [[ -z "$previous" ]] || docker rmi "$previous" >/dev/null 2>&1 || true
}

build_sandbox_images() {
    local work="$ARTIFACTS/sandbox-images"
    # The root file systems hold only the mount points, /tmp world-writable as on any system.
    mkdir -p "$work/empty/tmp" "$work/empty/run" "$work/app-root/tmp" "$work/app-root/run"
    chmod 1777 "$work/empty/tmp" "$work/app-root/tmp"
    tar -C "$work/empty" --numeric-owner --owner=0 --group=0 -cf "$work/empty.tar" .
    import_image frostguard-sandbox/postgres:15 "$work/empty.tar" empty-2
    import_image frostguard-sandbox/proxy:local "$work/empty.tar" empty-2

    log "publishing the sandbox application"
    rm -rf "$work/publish"
    # Without debug symbols and with source paths mapped, the output (and so the image hash) is the
    # same from every checkout and commit that leaves sandbox/ alone, so a clone at another path
    # reuses the images instead of rebuilding them.
    dotnet publish "$ROOT/sandbox/app/FrostGuard.Sandbox.csproj" -c Release -o "$work/publish" -v quiet -nologo \
        -p:DebugType=none -p:DebugSymbols=false -p:Deterministic=true -p:IncludeSourceRevisionInInformationalVersion=false \
        "-p:PathMap=$ROOT=/frostguard" >/dev/null
    rm -rf "$work/app-root/app" && cp -a "$work/publish" "$work/app-root/app"
    tar -C "$work/app-root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/app.tar" app tmp run
    local app_hash
    app_hash=$(sha256sum "$work/app.tar" | cut -c1-16)
    local tag
    for tag in "${SANDBOX_BACKEND_TAGS[@]}"; do
        import_image "frostguard-sandbox/backend:$tag" "$work/app.tar" "$app_hash-$tag" \
            --change "ENV FROSTGUARD_BACKEND_VARIANT=$tag" \
            --change 'CMD ["/usr/bin/dotnet", "/app/FrostGuard.Sandbox.dll", "backend"]'
    done
    import_image frostguard-sandbox/worker:current "$work/app.tar" "$app_hash-worker" \
        --change 'CMD ["/usr/bin/dotnet", "/app/FrostGuard.Sandbox.dll", "worker"]'
}

# The .env is created once; later runs keep it (a rotated password must survive sandbox up).
write_env_file() {
    local env="$SANDBOX_DEPLOYMENT/.env"
    if [[ ! -f "$env" ]]; then
        log "generating the sandbox's secrets in $env"
        local password
        password=$(openssl rand -base64 32 | tr -d '/+=\n' | cut -c1-32)
        (umask 077 && cat >"$env" <<ENV
COMPOSE_PROJECT_NAME=$SANDBOX_PROJECT
BACKEND_TAG=current
WORKER_TAG=current
POSTGRES_PASSWORD=$password
ENV
)
    fi
    # The slots' tags and the serving slot's profile belong to Update-FrostDeployment once written;
    # an .env from before the slots gets them from its BACKEND_TAG.
    local backend_tag
    backend_tag=$(env_value BACKEND_TAG)
    grep -q '^BACKEND_BLUE_TAG=' "$env" || echo "BACKEND_BLUE_TAG=${backend_tag:-current}" >>"$env"
    grep -q '^BACKEND_GREEN_TAG=' "$env" || echo "BACKEND_GREEN_TAG=${backend_tag:-current}" >>"$env"
    grep -q '^COMPOSE_PROFILES=' "$env" || echo "COMPOSE_PROFILES=backend-blue" >>"$env"
    # Added to older .env files too; kept once written, like the database password.
    if ! grep -q '^REPLICATION_PASSWORD=' "$env"; then
        echo "REPLICATION_PASSWORD=$(openssl rand -base64 32 | tr -d '/+=\n' | cut -c1-32)" >>"$env"
    fi
    # Non-secret settings are rewritten from this script every time.
    local key value
    for key in COMPOSE_PROJECT_NAME PG_UID PG_GID APP_UID APP_GID PROXY_UID PROXY_GID PG_PORT BACKEND_PORT BACKEND_BLUE_PORT BACKEND_GREEN_PORT PROXY_PORT PG_DATA TLS_DIR UPSTREAM_DIR; do
        case $key in
            COMPOSE_PROJECT_NAME) value=$SANDBOX_PROJECT ;;
            PG_UID) value=$(id -u postgres) ;;
            PG_GID) value=$(id -g postgres) ;;
            APP_UID | APP_GID) value=$SANDBOX_APP_UID ;;
            PROXY_UID | PROXY_GID) value=$SANDBOX_PROXY_UID ;;
            PG_PORT) value=$SANDBOX_PG_PORT ;;
            BACKEND_PORT) value=$SANDBOX_BACKEND_PORT ;;
            BACKEND_BLUE_PORT) value=$SANDBOX_BLUE_PORT ;;
            BACKEND_GREEN_PORT) value=$SANDBOX_GREEN_PORT ;;
            UPSTREAM_DIR) value=$SANDBOX_UPSTREAM ;;
            PROXY_PORT) value=$SANDBOX_PROXY_PORT ;;
            PG_DATA) value="$SANDBOX_ROOT/data/postgres" ;;
            TLS_DIR) value="$SANDBOX_ROOT/tls" ;;
        esac
        if grep -q "^$key=" "$env"; then
            sed -i "s|^$key=.*|$key=$value|" "$env"
        else
            echo "$key=$value" >>"$env"
        fi
    done
    # The backend (uid APP_UID) reads the password from this file, mounted read-only.
    chown "$SANDBOX_APP_UID:$SANDBOX_APP_UID" "$env"
    chmod 0600 "$env"
}

env_value() { sed -n "s/^$1=//p" "$SANDBOX_DEPLOYMENT/.env" 2>/dev/null | tail -n 1; }

# The serving slot's Compose service: the backend slot COMPOSE_PROFILES names.
serving_slot() { env_value COMPOSE_PROFILES | tr ',' '\n' | grep -m1 '^backend-' || echo backend-blue; }

# The proxy's upstream include, written once exactly as FrostGuard writes it (UpstreamFile.Render);
# after that it is FrostGuard's: a switch rewrites it and reloads nginx.
write_upstream_file() {
    install -d -m 0755 "$SANDBOX_UPSTREAM"
    local file="$SANDBOX_UPSTREAM/backend.conf"
    [[ -s "$file" ]] && return 0
    local slot port
    slot=$(serving_slot)
    slot=${slot#backend-}
    port=$SANDBOX_BLUE_PORT
    [[ "$slot" == green ]] && port=$SANDBOX_GREEN_PORT
    log "writing the proxy's upstream include for slot $slot"
    cat >"$file.tmp" <<CONF
# Written by FrostGuard: what the proxy forwards to. Do not edit: Update-FrostDeployment and
# Undo-FrostDeployment switch it (docs/updates.md).
upstream frostguard_backend {
    server 127.0.0.1:$port;
    keepalive 16;
}
map \$host \$frostguard_slot {
    default "$slot";
}
CONF
    chmod 0644 "$file.tmp"
    mv "$file.tmp" "$file"
}

write_deployment_repository() {
    mkdir -p "$SANDBOX_DEPLOYMENT/postgres" "$SANDBOX_DEPLOYMENT/proxy"
    cp "$ROOT/sandbox/deployment/docker-compose.yml" "$SANDBOX_DEPLOYMENT/docker-compose.yml"
    cp "$ROOT/sandbox/deployment/gitignore" "$SANDBOX_DEPLOYMENT/.gitignore"
    cp "$ROOT/sandbox/deployment/postgres/pg_hba.conf" "$SANDBOX_DEPLOYMENT/postgres/pg_hba.conf"
    cp "$ROOT/sandbox/deployment/proxy/nginx.conf.template" "$SANDBOX_DEPLOYMENT/proxy/nginx.conf.template"
    rm -f "$SANDBOX_DEPLOYMENT/proxy/nginx.conf" # rendered by the proxy container itself since it reads its ports from .env
    chmod -R a+rX "$SANDBOX_DEPLOYMENT/postgres" "$SANDBOX_DEPLOYMENT/proxy"
    local git=(git -C "$SANDBOX_DEPLOYMENT" -c user.name="FrostGuard sandbox" -c user.email=sandbox@localhost)
    [[ -d "$SANDBOX_DEPLOYMENT/.git" ]] || "${git[@]}" init -q -b main
    "${git[@]}" add -A
    if ! "${git[@]}" diff --cached --quiet; then
        "${git[@]}" commit -q -m "sandbox deployment files from FrostGuard $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo checkout)"
        log "committed the deployment files in $SANDBOX_DEPLOYMENT"
    fi
}

# A PostgreSQL 15 cluster in <data>, owned by postgres, with the role frostguard (its password on
# standard input, never on a command line) and the database frostguard; initdb's output in <log>.
# The sandbox's and the fleet's database host each have one.
initialize_postgres_cluster() {
    local data=$1 log=$2 what=$3
    install -d -m 0700 -o postgres -g postgres "$data"
    local pwfile
    pwfile=$(mktemp)
    chown postgres "$pwfile" && chmod 0600 "$pwfile"
    cat >"$pwfile"
    local as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)
    "${as_postgres[@]}" /usr/lib/postgresql/15/bin/initdb -D "$data" --username=frostguard --pwfile="$pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$log" 2>&1 \
        || { rm -f "$pwfile"; die "initdb failed; read $log"; }
    rm -f "$pwfile"
    echo "CREATE DATABASE frostguard;" | "${as_postgres[@]}" /usr/lib/postgresql/15/bin/postgres --single -D "$data" postgres \
        >>"$log" 2>&1 || die "creating $what's frostguard database failed; read $log"
}

initialize_database() {
    local data="$SANDBOX_ROOT/data/postgres"
    [[ -s "$data/PG_VERSION" ]] && return 0
    log "initializing PostgreSQL 15 in $data"
    env_value POSTGRES_PASSWORD | initialize_postgres_cluster "$data" "$ARTIFACTS/initdb.log" "the sandbox"
}

# A SCRAM-SHA-256 verifier, as pg_authid stores it, for the password on standard input: the
# role's password is set from it, so the password itself never reaches the server or its log.
scram_verifier() {
    perl -MDigest::SHA=hmac_sha256,sha256 -MMIME::Base64 -e '
        my $p = <STDIN>; chomp $p;
        open my $r, "<", "/dev/urandom" or die "cannot read /dev/urandom: $!"; read $r, my $salt, 16;
        my $u = hmac_sha256($salt . pack("N", 1), $p); my $t = $u;
        for (2 .. 4096) { $u = hmac_sha256($u, $p); $t ^= $u }
        printf "SCRAM-SHA-256\$4096:%s\$%s:%s", encode_base64($salt, ""),
            encode_base64(sha256(hmac_sha256("Client Key", $t)), ""), encode_base64(hmac_sha256("Server Key", $t), "");'
}

# The role a standby connects as (pg_basebackup, streaming replication): REPLICATION and LOGIN
# only, its password REPLICATION_PASSWORD in .env; pg_hba.conf lets it in from 127.0.0.1 with
# scram-sha-256. The configuration is reloaded so a running server reads a changed pg_hba.conf.
ensure_replication_role() {
    local passfile verifier password
    verifier=$(env_value REPLICATION_PASSWORD | scram_verifier) || die "computing the replication role's SCRAM verifier failed"
    passfile=$(mktemp)
    chmod 0600 "$passfile"
    # A password file escapes '\' and ':'; a password rotated by Update-FrostSecret may hold both.
    password=$(env_value POSTGRES_PASSWORD)
    password=${password//\\/\\\\}
    password=${password//:/\\:}
    printf '127.0.0.1:%s:frostguard:frostguard:%s\n' "$SANDBOX_PG_PORT" "$password" >"$passfile"
    if ! PGPASSFILE="$passfile" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SANDBOX_PG_PORT" -U frostguard -d frostguard \
        >"$ARTIFACTS/replication-role.log" 2>&1 <<SQL
SELECT 'CREATE ROLE frostguard_replication' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'frostguard_replication') \\gexec
ALTER ROLE frostguard_replication WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$verifier';
SELECT pg_reload_conf();
SQL
    then
        rm -f "$passfile"
        die "creating the replication role failed; read $ARTIFACTS/replication-role.log"
    fi
    rm -f "$passfile"
}

# A self-signed certificate for localhost in a folder of the proxy's user, 90 days, renewed when
# under 30 days are left: the sandbox's proxy and the fleet's load balancer each have one.
write_localhost_certificate() {
    local tls=$1 uid=$2 what=$3
    install -d -m 0750 -o "$uid" -g "$uid" "$tls"
    if [[ -f "$tls/cert.pem" ]] && openssl x509 -checkend $((30 * 86400)) -noout -in "$tls/cert.pem" >/dev/null; then
        return 0
    fi
    log "generating a 90-day TLS certificate for $what"
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null)
    chown "$uid:$uid" "$tls/key.pem" "$tls/cert.pem"
    chmod 0644 "$tls/cert.pem"
}

write_certificate() { write_localhost_certificate "$SANDBOX_ROOT/tls" "$SANDBOX_PROXY_UID" localhost; }

write_frostguard_config() {
    # Backups are private (FrostGuard creates them 0600 in a 0700 folder; Test-FrostSecurity checks).
    install -d -m 0700 "$SANDBOX_ROOT/backups"
    chmod 0700 "$SANDBOX_ROOT/backups"
    cat >"$SANDBOX_CONFIG.tmp" <<JSON
{
  "project": { "name": "$SANDBOX_PROJECT", "directory": "$SANDBOX_DEPLOYMENT" },
  "docker": { "endpoint": "unix:///var/run/docker.sock" },
  "database": {
    "service": "postgres",
    "host": "127.0.0.1",
    "port": $SANDBOX_PG_PORT,
    "name": "frostguard",
    "user": "frostguard",
    "password": { "envFileKey": "POSTGRES_PASSWORD" }
  },
  "backupRoot": "$SANDBOX_ROOT/backups",
  "health": {
    "healthUrl": "https://localhost:$SANDBOX_PROXY_PORT/health",
    "metricsUrl": "http://127.0.0.1:$SANDBOX_BACKEND_PORT/metrics"
  },
  "tls": { "domain": "localhost", "port": $SANDBOX_PROXY_PORT, "caFile": "$SANDBOX_ROOT/tls/cert.pem" },
  "manualPath": "$ROOT/runbooks",
  "update": {
    "strategy": "blueGreen",
    "service": "backend",
    "slots": [
      { "name": "blue", "service": "backend-blue", "port": $SANDBOX_BLUE_PORT },
      { "name": "green", "service": "backend-green", "port": $SANDBOX_GREEN_PORT }
    ],
    "proxy": {
      "service": "proxy",
      "upstreamFolder": "$SANDBOX_UPSTREAM",
      "internalUrl": "http://127.0.0.1:$SANDBOX_BACKEND_PORT",
      "testCommand": ["/usr/sbin/nginx", "-e", "stderr", "-t", "-q", "-c", "/tmp/nginx.conf"],
      "drainTimeoutSeconds": 30
    }
  }
}
JSON
    mv "$SANDBOX_CONFIG.tmp" "$SANDBOX_CONFIG"
}

container_health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null; }

# Every service of the compose file but the idle backend slot has a container, and every one of
# those containers is healthy (the idle slot's container is kept stopped on purpose).
all_services_healthy() {
    local id ids expected service serving
    serving=$(serving_slot)
    expected=$(compose config --services | grep -v '^backend-' | wc -l)
    expected=$((expected + 1))
    ids=$(compose ps -q)
    local counted=0
    for id in $ids; do
        service=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$id" 2>/dev/null)
        [[ "$service" == backend-* && "$service" != "$serving" ]] && continue
        counted=$((counted + 1))
        [[ "$(container_health "$id")" == healthy ]] || return 1
    done
    [[ $counted -ge $expected ]]
}

# Compose gives up when a dependency is not healthy yet (e.g. right after a recreate): try
# again, up to three times, once the containers that exist have had time to become healthy.
compose_up() {
    local attempt
    for attempt in 1 2 3; do
        if compose up -d --remove-orphans >"$ARTIFACTS/compose-up.log" 2>&1; then
            return 0
        fi
        log "compose up (attempt $attempt) reported: $(grep -iE 'error|unhealthy' "$ARTIFACTS/compose-up.log" | tail -n 1)"
        wait_for 90 "existing containers settled" all_services_healthy || true
    done
    cat "$ARTIFACTS/compose-up.log" >&2
    return 1
}

sandbox_up() {
    mkdir -p "$SANDBOX_ROOT" "$ARTIFACTS"
    build_sandbox_images
    mkdir -p "$SANDBOX_DEPLOYMENT"
    write_deployment_repository
    write_env_file
    write_upstream_file
    initialize_database
    write_certificate
    log "starting project $SANDBOX_PROJECT"
    compose_up || die "docker-compose up failed for project $SANDBOX_PROJECT; see the output above"
    if ! wait_for 180 "all sandbox services are healthy" all_services_healthy; then
        sandbox_status >&2
        die "the sandbox did not become healthy within 180 s; see the table above and 'docker logs <container>'"
    fi
    ensure_replication_role
    write_frostguard_config
    log "FrostGuard configuration: $SANDBOX_CONFIG (export FROSTGUARD_CONFIG=$SANDBOX_CONFIG)"
}

sandbox_down() {
    [[ -f "$SANDBOX_DEPLOYMENT/docker-compose.yml" ]] || { log "no sandbox deployment at $SANDBOX_DEPLOYMENT"; return 0; }
    compose down --remove-orphans
}

sandbox_reset() {
    sandbox_down
    log "removing $SANDBOX_ROOT"
    rm -rf "$SANDBOX_ROOT"
}

sandbox_status() {
    [[ -f "$SANDBOX_DEPLOYMENT/docker-compose.yml" ]] || { echo "no sandbox deployment at $SANDBOX_DEPLOYMENT"; return 1; }
    local id
    printf '%-40s %-10s %s\n' CONTAINER HEALTH IMAGE
    for id in $(compose ps -q); do
        printf '%-40s %-10s %s\n' "$(docker inspect -f '{{.Name}}' "$id" | tr -d /)" "$(container_health "$id")" "$(docker inspect -f '{{.Config.Image}}' "$id")"
    done
}
