#!/usr/bin/env bash
# The container test: builds the image from the repository's Dockerfile and checks it as an operator would
# use it. Run as root, with no standard input needed:
#
#   bash tests/container/run.sh
#
# 1. Installs podman, buildah, runc, debootstrap and curl if missing; podman uses ./containers.conf.
# 2. Makes the build base image locally (no registry is reachable): Debian 12 by debootstrap, with gcc and
#    libc6-dev, plus this machine's Rust toolchain. Cached: the debootstrap tree under $CACHE and the image
#    in podman's storage, both reused while the toolchain's version is the same.
# 3. Builds the image (`podman build --pull=never --format docker`, with the base images as build args;
#    the runtime stage is FROM scratch). The layers are podman's build cache: the dependencies are
#    compiled again only when Cargo.toml or Cargo.lock change.
# 4. Checks the image's configuration; runs it (read-only, no capabilities) with a named volume at /data,
#    waits until its health check says healthy, signs in, registers an app and gets a token with it over
#    HTTP; restarts it and checks that the app and its secret survived; stops it with SIGTERM (with an idle
#    keep-alive connection, then with a request stalled in flight) and checks each time that it exits
#    with status 0 within MAX_STOP_SECONDS; checks the image is under MAX_IMAGE_MB.
# The containers and the volume are removed whatever happens; the base image and the build layers stay.
# A summary with the time of each phase and every check ends the output; the exit status is 0 on a pass.
#
# Settings (environment): FRONTDESK_CONTAINER_CACHE (default /var/cache/frontdesk-container),
# FRONTDESK_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${FRONTDESK_CONTAINER_CACHE:-/var/cache/frontdesk-container}"
MIRROR="${FRONTDESK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
export CONTAINERS_CONF="$HERE/containers.conf"
# Podman runs health checks from systemd timers; with no systemd (as here) it only logs errors about them.
# The test runs the checks itself (see wait_healthy).
export DISABLE_HC_SYSTEMD=true

BUILD_BASE=localhost/frontdesk-build-base:latest
RUNTIME_BASE=scratch
IMAGE=localhost/frontdesk:container-test
BUILD_STAGE=localhost/frontdesk-build-stage:container-test
NAME="frontdesk-container-test-$$"
PROBE="frontdesk-container-probe-$$"
VOLUME="frontdesk-container-test-$$"
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='container admin password'
MAX_IMAGE_MB=30
MAX_STOP_SECONDS=5
HEALTHY_TIMEOUT_SECONDS=60

WORK="$(mktemp -d)"
PORT=""
CURRENT_PHASE="start"
PHASE_STARTED=0
PHASES=()
CHECKS=()
STARTED_ALL="$(date +%s.%N)"

say() { printf '%s\n' "$*"; }
# podman, without the one error it still logs with no systemd when it removes a container's (never
# created) health-check timer.
pm() { podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
phase() {
    end_phase
    CURRENT_PHASE="$1"
    PHASE_STARTED="$(date +%s.%N)"
    say ""
    say "== $1"
}
end_phase() {
    if [ "$PHASE_STARTED" != 0 ]; then
        PHASES+=("$(printf '%-40s %7ss' "$CURRENT_PHASE" "$(elapsed "$PHASE_STARTED")")")
        PHASE_STARTED=0
    fi
}
ok() {
    CHECKS+=("ok    $*")
    say "ok: $*"
}
fail() {
    CHECKS+=("FAIL  $*")
    say "FAIL: $*" >&2
    exit 1
}

cleanup() {
    local status=$?
    set +e
    if [ "$status" != 0 ] && podman container exists "$NAME" 2>/dev/null; then
        say ""
        say "== the container's log (last 60 lines)"
        podman logs --tail 60 "$NAME" 2>&1
    fi
    if command -v podman >/dev/null; then
        podman rm -f -t 0 "$NAME" "$PROBE" >/dev/null 2>&1
        podman volume rm -f "$VOLUME" >/dev/null 2>&1
    fi
    rm -rf "$WORK"
    end_phase
    say ""
    say "== summary"
    for line in "${PHASES[@]}"; do say "  $line"; done
    say "  $(printf '%-40s %7ss' total "$(elapsed "$STARTED_ALL")")"
    for line in "${CHECKS[@]}"; do say "  $line"; done
    if [ "$status" = 0 ]; then
        say "PASS: container test (${#CHECKS[@]} checks)"
    else
        say "FAIL: container test, in phase \"$CURRENT_PHASE\" (exit status $status)"
    fi
    exit "$status"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root (podman builds and runs rootful containers here)"

# ---------------------------------------------------------------------------------------------------------
phase "tools"
missing=()
for tool in podman buildah runc debootstrap curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" != 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq podman buildah runc debootstrap curl >"$WORK/apt.log" 2>&1 ||
        { tail -20 "$WORK/apt.log"; fail "apt-get install podman buildah runc debootstrap curl"; }
fi
if ! command -v rustc >/dev/null && [ -x "$HOME/.cargo/bin/rustc" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v rustc >/dev/null || fail "no Rust toolchain on this machine to put into the build image"
say "$(podman --version), $(runc --version | grep -m1 version), $(rustc --version)"
say "storage driver: $(podman info --format '{{.Store.GraphDriverName}}'), runtime: $(podman info --format '{{.Host.OCIRuntime.Name}}')"

# ---------------------------------------------------------------------------------------------------------
phase "build base image"
RUST_VERSION="$(rustc --version)"
SYSROOT="$(rustc --print sysroot)"
have_label=""
if podman image exists "$BUILD_BASE"; then
    have_label="$(podman image inspect --format '{{index .Labels "frontdesk.rustc"}}' "$BUILD_BASE")"
fi
if [ "$have_label" = "$RUST_VERSION" ]; then
    say "cached: $BUILD_BASE ($RUST_VERSION)"
else
    ROOTFS="$CACHE/bookworm-build"
    mkdir -p "$CACHE"
    if [ ! -f "$ROOTFS.done" ]; then
        say "debootstrap bookworm (minbase + gcc, libc6-dev, ca-certificates, pkg-config) into $ROOTFS"
        rm -rf "$ROOTFS"
        debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates,pkg-config \
            bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
            { tail -30 "$WORK/debootstrap.log"; fail "debootstrap"; }
        rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
        touch "$ROOTFS.done"
    else
        say "cached: debootstrap tree $ROOTFS"
    fi
    say "adding the host's toolchain ($RUST_VERSION, from $SYSROOT) as /usr/local/rust"
    rm -rf "$ROOTFS/usr/local/rust"
    mkdir -p "$ROOTFS/usr/local/rust/bin" "$ROOTFS/usr/local/cargo"
    cp -a "$SYSROOT/bin/cargo" "$SYSROOT/bin/rustc" "$ROOTFS/usr/local/rust/bin/"
    cp -a "$SYSROOT/lib" "$ROOTFS/usr/local/rust/"
    tar -C "$ROOTFS" -c . | podman import \
        --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV CARGO_HOME=/usr/local/cargo' \
        --change 'ENV HOME=/root' \
        --change "LABEL frontdesk.rustc=\"$RUST_VERSION\"" \
        --change 'CMD ["/bin/bash"]' \
        - "$BUILD_BASE" >/dev/null
    rm -rf "$ROOTFS/usr/local/rust" "$ROOTFS/usr/local/cargo"
fi
podman run --rm --network=none "$BUILD_BASE" sh -c 'cargo --version && rustc --version && cc --version | grep -m1 .'
ok "build base image $BUILD_BASE: $(podman image inspect --format '{{.Size}}' "$BUILD_BASE" | awk '{ printf "%d MB", $1 / 1e6 }')"

# ---------------------------------------------------------------------------------------------------------
phase "podman build"
say "podman build --pull=never --format docker --build-arg BUILD_IMAGE=$BUILD_BASE --build-arg RUNTIME_IMAGE=$RUNTIME_BASE -t $IMAGE $ROOT"
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
OLD_IMAGE_ID="$(image_id "$IMAGE")"
OLD_STAGE_ID="$(image_id "$BUILD_STAGE")"
# cargo in the build reaches crates.io with the host's trust store, bind-mounted for the RUN steps only
# (nothing of it goes into a layer): where the network passes through a TLS-inspecting proxy, the host
# trusts that proxy's certificate authority and Debian's bundle alone does not.
build_opts=(--pull=never --format docker --layers
    --build-arg BUILD_IMAGE="$BUILD_BASE" --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" -f "$ROOT/Dockerfile")
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
if [ -f "$HOST_CA_BUNDLE" ]; then
    build_opts+=(--volume "$HOST_CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
fi
if ! podman build "${build_opts[@]}" -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1; then
    tail -60 "$WORK/build.log"
    fail "podman build"
fi
# The steps, and which of them came from the layer cache.
grep -E 'STEP [0-9]+/[0-9]+:|^--> Using cache' "$WORK/build.log" | cut -c1-150 | sed 's/^/  /' || true
# The build stage's last layer gets a tag too (all from the cache, a second): the runtime image is FROM
# scratch, so nothing else keeps the build layers, the dependency layer among them, from being taken for
# dangling images. With both tagged, the previous run's images can go: removing an untagged image also
# removes its parents that nothing else uses, so a source change leaves no stale layers behind.
podman build "${build_opts[@]}" --target build -t "$BUILD_STAGE" "$ROOT" >"$WORK/build-stage.log" 2>&1 ||
    { tail -30 "$WORK/build-stage.log"; fail "podman build --target build"; }
NEW_IMAGE_ID="$(image_id "$IMAGE")"
NEW_STAGE_ID="$(image_id "$BUILD_STAGE")"
for pair in "$OLD_IMAGE_ID:$NEW_IMAGE_ID" "$OLD_STAGE_ID:$NEW_STAGE_ID"; do
    old="${pair%%:*}"
    if [ -n "$old" ] && [ "$old" != "${pair#*:}" ]; then
        podman rmi "$old" >/dev/null 2>&1 || true
    fi
done
ok "image built: $IMAGE (${NEW_IMAGE_ID:0:12})"

# ---------------------------------------------------------------------------------------------------------
phase "image metadata"
meta() { podman image inspect --format "$1" "$IMAGE"; }
[ "$(meta '{{.Config.User}}')" = "65532:65532" ] || fail "image user is \"$(meta '{{.Config.User}}')\", not 65532:65532"
[ "$(meta '{{json .Config.Entrypoint}}')" = '["/usr/local/bin/frontdesk"]' ] || fail "entrypoint: $(meta '{{json .Config.Entrypoint}}')"
[ "$(meta '{{json .Config.Cmd}}')" = '["serve"]' ] || fail "cmd: $(meta '{{json .Config.Cmd}}')"
# Each value is read whole before it is searched: `podman ... | grep -q` under pipefail fails at random when
# grep stops at its first match and podman is still writing (SIGPIPE).
has() { grep -q${3:-} -- "$2" <<<"$1"; }
healthcheck=$(meta '{{json .Config.Healthcheck}}')
has "$healthcheck" '"/usr/local/bin/frontdesk","healthcheck"' || fail "health check: $healthcheck"
ports=$(meta '{{json .Config.ExposedPorts}}')
has "$ports" '8080/tcp' || fail "exposed ports: $ports"
volumes=$(meta '{{json .Config.Volumes}}')
has "$volumes" '"/data"' || fail "volumes: $volumes"
env_lines=$(meta '{{range .Config.Env}}{{println .}}{{end}}')
has "$env_lines" 'DATABASE_URL=sqlite:///data/frontdesk.db' x || fail "DATABASE_URL not set in the image"
has "$env_lines" 'FRONTDESK_LISTEN=0.0.0.0:8080' x || fail "FRONTDESK_LISTEN not set in the image"
ok "image config: user 65532:65532, entrypoint frontdesk serve, health check frontdesk healthcheck, port 8080, volume /data"
podman run --rm --network=none --no-healthcheck --name "$PROBE" "$IMAGE" --version >"$WORK/version.txt" 2>&1 ||
    { cat "$WORK/version.txt"; fail "frontdesk --version in the image"; }
ok "the binary starts in the image: $(cat "$WORK/version.txt")"
set +e
timeout 20 podman run --rm --network=none --no-healthcheck --name "$PROBE" "$IMAGE" healthcheck >"$WORK/probe.txt" 2>&1
probe_status=$?
set -e
[ "$probe_status" = 1 ] || { cat "$WORK/probe.txt"; fail "frontdesk healthcheck with no server running exited $probe_status, not 1"; }
ok "frontdesk healthcheck with no server running: exit status 1"

# ---------------------------------------------------------------------------------------------------------
phase "start and wait until healthy"
free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
PORT="$(free_port)" || fail "no free port"
BASE="http://127.0.0.1:$PORT"
podman volume create "$VOLUME" >/dev/null
# A seed file, as a CI pipeline would mount one: an app whose secret the pipeline knows in advance.
SEED_SECRET="container-seeded-secret-0123456789-abcdef"
printf '%s\n' '[[apps]]' 'code = "SEEDED"' 'name = "Seeded app"' 'scopes = ["setup.read"]' \
    '[[apps.secrets]]' 'description = "pipeline"' "value = \"$SEED_SECRET\"" >"$WORK/seed.toml"
chmod 644 "$WORK/seed.toml"
# Hardened as in docker-compose.yml: read-only root file system with a tmpfs /tmp, no capabilities, no
# privilege gain. The image's HEALTHCHECK stays; only podman's timer for it is off (see wait_healthy).
pm run -d --name "$NAME" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --health-interval disable \
    -p "127.0.0.1:$PORT:8080" \
    -v "$VOLUME:/data" \
    -v "$WORK/seed.toml:/seed.toml:ro" -e FRONTDESK_SEED=/seed.toml \
    -e FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    -e FRONTDESK_PUBLIC_URL="$BASE" \
    "$IMAGE" >/dev/null
say "container $NAME, volume $VOLUME at /data, published on $BASE"

# Podman runs health checks from systemd timers, and there is no systemd here (podman only logs "unable to
# get systemd connection to add healthchecks"), so the timer is off and the check is run by hand, as the
# timer would run it; its result lands in the container's State.Health all the same.
wait_healthy() {
    local started now status
    started="$(date +%s.%N)"
    while :; do
        if [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" != true ]; then
            fail "the container stopped while starting (exit status $(podman inspect --format '{{.State.ExitCode}}' "$NAME"))"
        fi
        if podman healthcheck run "$NAME" >/dev/null 2>&1; then
            break
        fi
        now="$(elapsed "$started")"
        if awk -v n="$now" -v max="$HEALTHY_TIMEOUT_SECONDS" 'BEGIN { exit !(n > max) }'; then
            fail "not healthy after ${HEALTHY_TIMEOUT_SECONDS}s"
        fi
        sleep 0.5
    done
    status="$(podman inspect --format '{{.State.Health.Status}}' "$NAME")"
    [ "$status" = healthy ] || fail "State.Health.Status is \"$status\" after a passing health check"
    ok "healthy $(elapsed "$started")s after $1"
}
wait_healthy "start"
[ "$(podman exec "$NAME" /usr/local/bin/frontdesk healthcheck >/dev/null 2>&1; echo $?)" = 0 ] ||
    fail "frontdesk healthcheck inside the running container"
ok "frontdesk healthcheck inside the running container: exit status 0"
user="$(podman top "$NAME" user huser | awk 'NR == 2 { print $1 " (host " $2 ")" }')"
case "$user" in 65532*|nonroot*) ok "the server runs as $user" ;; *) fail "the server runs as $user" ;; esac
podman logs "$NAME" >"$WORK/log.txt" 2>&1
grep -q 'frontdesk is serving' "$WORK/log.txt" || fail "no \"frontdesk is serving\" in the container's log"
if grep -q $'\e' "$WORK/log.txt"; then fail "the container's log has terminal escape codes"; fi
ok "the log says the server is serving, in plain text (no escape codes)"
code="$(curl -sS -o "$WORK/healthz" -w '%{http_code}' "$BASE/healthz")"
[ "$code" = 200 ] || fail "GET /healthz: $code"
code="$(curl -sS -o "$WORK/readyz" -w '%{http_code}' "$BASE/readyz")"
[ "$code" = 200 ] || fail "GET /readyz: $code"
ok "GET /healthz and /readyz through the published port: 200"

# ---------------------------------------------------------------------------------------------------------
JAR="$WORK/cookies"
# curl with the cookie jar, as a browser from the public URL would; prints the status code.
http() {
    local out="$1"
    shift
    curl -sS -c "$JAR" -b "$JAR" -H "Origin: $BASE" -o "$out" -w '%{http_code}' "$@"
}
# The value of the first hidden csrf_token input of a page.
csrf_of() {
    grep -m1 -o 'name="csrf_token" value="[^"]*"' "$1" | sed 's/.*value="//; s/"$//'
}
# The value attribute of the input with the given id.
input_value() {
    grep -m1 -o "<input id=\"$2\"[^>]*value=\"[^\"]*\"" "$1" |
        sed 's/.*value="//; s/"$//; s/&quot;/"/g; s/&#x27;/'"'"'/g; s/&#39;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
}
sign_in() {
    rm -f "$JAR"
    local code csrf
    code="$(http "$WORK/login.html" "$BASE/login")"
    [ "$code" = 200 ] || fail "GET /login: $code"
    csrf="$(csrf_of "$WORK/login.html")"
    [ -n "$csrf" ] || fail "no csrf_token on /login"
    code="$(http "$WORK/login-post.html" --data-urlencode "csrf_token=$csrf" \
        --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/login")"
    [ "$code" = 303 ] || fail "POST /login as $ADMIN_EMAIL: $code, not 303"
    ok "signed in as $ADMIN_EMAIL ($1)"
}
token_request() {
    curl -sS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -o "$WORK/token.json" \
        -w '%{http_code}' "$BASE/connect/token"
}

phase "sign in, register an app, get a token"
code="$(curl -s -o "$WORK/seeded.json" -w '%{http_code}' -u "DEMO-SP-SEEDED:$SEED_SECRET" \
    -d grant_type=client_credentials "$BASE/connect/token")"
{ [ "$code" = 200 ] && grep -q '"access_token":"' "$WORK/seeded.json"; } ||
    fail "token for the seeded app: $code $(cat "$WORK/seeded.json")"
ok "the seed file's app gets a token with the secret the file gave it (FRONTDESK_SEED)"
sign_in "first start"
code="$(http "$WORK/create.html" "$BASE/apps/connected-apps/create")"
[ "$code" = 200 ] || fail "GET /apps/connected-apps/create: $code"
csrf="$(csrf_of "$WORK/create.html")"
[ -n "$csrf" ] || fail "no csrf_token on the New custom app form"
code="$(http "$WORK/created.html" --data-urlencode "csrf_token=$csrf" --data-urlencode client_code=CONTAINER \
    --data-urlencode "client_name=Container app" --data-urlencode pii_mode=DontRetrieve \
    --data-urlencode secret_description=ci --data-urlencode scopes=setup.read "$BASE/apps/connected-apps/create")"
[ "$code" = 200 ] || fail "POST /apps/connected-apps/create: $code, not 200"
CLIENT_ID="$(input_value "$WORK/created.html" client-id)"
CLIENT_SECRET="$(input_value "$WORK/created.html" client-secret)"
[ "$CLIENT_ID" = DEMO-SP-CONTAINER ] || fail "client ID on the credentials page: \"$CLIENT_ID\""
[ -n "$CLIENT_SECRET" ] || fail "no client secret on the credentials page"
ok "registered the app $CLIENT_ID (secret of ${#CLIENT_SECRET} characters)"
code="$(token_request)"
{ [ "$code" = 200 ] && grep -q '"access_token":"' "$WORK/token.json"; } ||
    fail "token request: $code $(cat "$WORK/token.json")"
ok "client-credentials token for $CLIENT_ID: 200 with an access_token"

# ---------------------------------------------------------------------------------------------------------
phase "restart, data kept"
pm restart --time 10 "$NAME" >/dev/null
wait_healthy "restart"
sign_in "after the restart"
code="$(http "$WORK/app.html" "$BASE/apps/connected-apps/DEMO-SP-CONTAINER")"
[ "$code" = 200 ] || fail "GET /apps/connected-apps/DEMO-SP-CONTAINER after the restart: $code"
grep -q 'Container app' "$WORK/app.html" || fail "the app's page after the restart does not name the app"
ok "the app is still there after the restart"
code="$(token_request)"
{ [ "$code" = 200 ] && grep -q '"access_token":"' "$WORK/token.json"; } ||
    fail "token request after the restart: $code $(cat "$WORK/token.json")"
ok "its secret still gets a token after the restart"
podman exec "$NAME" /usr/local/bin/frontdesk users list >"$WORK/users.txt" 2>&1 ||
    { cat "$WORK/users.txt"; fail "frontdesk users list in the container"; }
grep -q "$ADMIN_EMAIL" "$WORK/users.txt" || { cat "$WORK/users.txt"; fail "users list does not show $ADMIN_EMAIL"; }
ok "podman exec ... frontdesk users list shows $ADMIN_EMAIL"

# ---------------------------------------------------------------------------------------------------------
stopped_lines() { podman logs "$NAME" 2>&1 | grep -c 'frontdesk stopped' || true; }
# podman stop (SIGTERM; SIGKILL only after 10 s): the server must exit with status 0, log that it stopped,
# and do so within MAX_STOP_SECONDS.
sigterm_and_check() {
    local before started seconds code
    before="$(stopped_lines)"
    started="$(date +%s.%N)"
    pm stop --time 10 "$NAME" >/dev/null
    seconds="$(elapsed "$started")"
    code="$(podman inspect --format '{{.State.ExitCode}}' "$NAME")"
    say "podman stop with $1: ${seconds}s, exit status $code"
    [ "$code" = 0 ] || fail "exit status after SIGTERM with $1: $code, not 0"
    awk -v s="$seconds" -v max="$MAX_STOP_SECONDS" 'BEGIN { exit !(s < max) }' ||
        fail "stopping with $1 took ${seconds}s, not under ${MAX_STOP_SECONDS}s"
    [ "$(stopped_lines)" -gt "$before" ] || fail "no \"frontdesk stopped\" in the log after SIGTERM with $1"
    ok "SIGTERM with $1: exit status 0 in ${seconds}s (limit ${MAX_STOP_SECONDS}s)"
}

phase "SIGTERM"
# An idle keep-alive connection is open when the signal comes, as a browser's would be: it must not hold
# up the shutdown.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' "$PORT" >&3
read -r -t 5 status_line <&3 || fail "no answer on a keep-alive connection"
case "$status_line" in "HTTP/1.1 200"*) ;; *) fail "GET /healthz on a keep-alive connection: $status_line" ;; esac
sigterm_and_check "an idle keep-alive connection open"
exec 3<&-

phase "SIGTERM, a request stalled"
# The worst case: a request whose body never arrives. The server gives requests in flight 4 s, then
# stops anyway, so the exit is still clean and within the limit.
pm start "$NAME" >/dev/null
wait_healthy "start"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=' "$PORT" >&3
sleep 0.5
sigterm_and_check "a request stalled in flight"
exec 3<&-

# ---------------------------------------------------------------------------------------------------------
phase "image size"
size_bytes="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
size_mb="$(awk -v b="$size_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
say "$IMAGE: $size_bytes bytes = $size_mb MB"
awk -v m="$size_mb" -v max="$MAX_IMAGE_MB" 'BEGIN { exit !(m < max) }' || fail "image is $size_mb MB, not under $MAX_IMAGE_MB MB"
ok "image size $size_mb MB (limit $MAX_IMAGE_MB MB)"
end_phase
CURRENT_PHASE="done"
