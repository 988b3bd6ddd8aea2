#!/usr/bin/env bash
# Load and soak: the token endpoint under load (wrk, one app's secret, for DURATION seconds) while an
# account admin, at the same time, registers, edits and deletes apps and rotates their secrets
# (bench/soak_admin.py, through the dashboard like a browser). Every secret deletion is probed: a thread
# requests tokens with that secret back to back while it is deleted, and no request sent after the
# deletion returned may get a token; after it, the secret gets 401 invalid_client and the tokens it
# obtained introspect as inactive. The server's RSS is sampled every RSS_EVERY seconds.
#
# Usage (from the repo root, as root on Debian 12):  bash bench/soak.sh
#   DURATION=300      seconds of load and admin activity
#   WARMUP=10         seconds of both, unmeasured, before the starting RSS is taken
#   RSS_EVERY=10      seconds between RSS samples
#   ADMIN_PACE=1      seconds per admin cycle (create, edit, rotate, delete; ~35 requests), at most;
#                     0 runs them back to back (then the work done depends on how busy the machine is)
#   FRONTDESK_BIN=path  use this binary instead of building (cargo build --release --locked)
#
# Exit status: 0 when all of these held, 1 otherwise (the summary says which):
#   - no 5xx, on the token load or on the admin side (dashboard, new-secret tokens, probes, introspection);
#   - every token request of the load got a 2xx (its app and secret never change) and no socket errors;
#   - no token issued to a request sent after its secret's (or app's) deletion returned;
#   - every admin operation did what it does in a browser (expected status, page contents);
#   - memory flat: RSS at the end <= RSS_GROWTH x RSS at the start + RSS_SLACK_MIB (both taken idle).
# shellcheck disable=SC2015,SC2317 # "a && b || c" on purpose; cleanup runs from the EXIT trap
set -euo pipefail

DURATION=${DURATION:-300}
WARMUP=${WARMUP:-10}
RSS_EVERY=${RSS_EVERY:-10}
ADMIN_PACE=${ADMIN_PACE:-1}
THREADS=1
CONNECTIONS=4
# Idle RSS (2 s after all activity) may not grow past RSS_GROWTH x start + RSS_SLACK_MIB. Both samples
# are idle because one taken under load catches argon2's 19 MiB blocks in flight. A sound run grows by
# about 1.5 MiB in 300 s. What this caught: histogram samples never drained (about 40 bytes per token
# request, fixed in 4acc997: 17 -> 65 MiB) and idle keep-alive connections, which the server then never closed
# (about 22 KiB each; an early soak_admin.py left one open per app: 17 -> 26 MiB; closed after 30 s
# since 2c3dafe).
RSS_GROWTH=1.25
RSS_SLACK_MIB=8
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='soak admin password 123'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
LUA="$ROOT/bench/token.lua"
ADMIN="$ROOT/bench/soak_admin.py"

for v in DURATION WARMUP RSS_EVERY; do
  [[ ${!v} =~ ^[0-9]+$ ]] && ((${!v} >= 1)) || die "$v: a whole number of seconds, got ${!v}"
done
[[ $ADMIN_PACE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "ADMIN_PACE: seconds per cycle (0 for back to back), got $ADMIN_PACE"

# ---------------------------------------------------------------- tools
need wrk curl python3
frontdesk_binary

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-soak.XXXXXX")
SERVER_PID='' WRK_PID='' ADMIN_PID='' SAMPLER_PID=''

cleanup() {
  local rc=$?
  for pid in "$WRK_PID" "$ADMIN_PID" "$SAMPLER_PID" "$SERVER_PID"; do
    [ -n "$pid" ] && stop_pid "$pid"
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
db_kib() { du -ck "$TMP"/db/soak.db* 2>/dev/null | awk 'END { print $1 }'; }
server_alive() {
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$TMP/server.log" >&2; die "frontdesk exited ($1)"; }
}

# start_wrk NAME SECONDS: the load in the background (WRK_PID); output in $TMP/wrk-NAME.txt.
start_wrk() {
  # timeout only guards against a wedged run; wrk stops by itself after -d.
  BENCH_AUTH=$AUTH BENCH_BODY=grant_type=client_credentials \
    timeout $(($2 + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --timeout 5s --latency -s "$LUA" \
    "$BASE/connect/token" >"$TMP/wrk-$1.txt" 2>&1 &
  WRK_PID=$!
}

# start_admin NAME SECONDS TAG [warmup]: bench/soak_admin.py run in the background (ADMIN_PID).
start_admin() {
  SOAK_BASE=$BASE SOAK_ADMIN_EMAIL=$ADMIN_EMAIL SOAK_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    SOAK_LOAD_CLIENT_ID=$CLIENT_ID SOAK_LOAD_SECRET=$CLIENT_SECRET SOAK_DURATION=$2 SOAK_TAG=$3 \
    SOAK_WARMUP=$([ "${4:-}" = warmup ] && echo 1 || echo 0) SOAK_SUMMARY="$TMP/admin-$1.txt" \
    SOAK_CYCLE_SECONDS=$ADMIN_PACE \
    python3 "$ADMIN" run >"$TMP/admin-$1.out" 2>"$TMP/admin-$1.log" &
  ADMIN_PID=$!
}

# wait_both NAME: waits for wrk and the admin; dies if either could not run at all.
wait_both() {
  local rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=
  ((rc == 0)) || { cat "$TMP/wrk-$1.txt" >&2; die "wrk failed ($1, exit $rc)"; }
  wait "$ADMIN_PID" || rc=$?
  ADMIN_PID=
  ((rc == 0)) || { tail -20 "$TMP/admin-$1.log" >&2; die "the admin script failed ($1, exit $rc)"; }
  grep -q '^ADMIN_RESULT ' "$TMP/admin-$1.out" || { cat "$TMP/admin-$1.log" >&2; die "no ADMIN_RESULT ($1)"; }
}

field() { sed -n "s/^$1 .*$2=\([0-9]*\).*/\1/p" "$3"; } # field LINE_PREFIX KEY FILE

# ---------------------------------------------------------------- frontdesk
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$TMP/db"
# The binary itself (not cargo run), so $! is the server and /proc/$!/status is its memory.
FRONTDESK_LISTEN="127.0.0.1:$PORT" FRONTDESK_PUBLIC_URL="$BASE" DATABASE_URL="sqlite://$TMP/db/soak.db" \
  FRONTDESK_ADMIN_EMAIL="$ADMIN_EMAIL" FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG=warn \
  "$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
say "starting frontdesk on $BASE (pid $SERVER_PID) ..."
for i in $(seq 300); do # up to 30 s
  server_alive "during start-up"
  curl -fsS -o /dev/null --max-time 1 "$BASE/readyz" 2>/dev/null && break
  ((i < 300)) || die "frontdesk was not ready within 30 s"
  sleep 0.1
done

# The app the load runs against, registered through the dashboard; its secret verified once (argon2).
SOAK_BASE=$BASE SOAK_ADMIN_EMAIL=$ADMIN_EMAIL SOAK_ADMIN_PASSWORD=$ADMIN_PASSWORD \
  python3 "$ADMIN" setup "$TMP/load.env" || die "could not register the load's app"
CLIENT_ID=$(sed -n 's/^CLIENT_ID=//p' "$TMP/load.env")
CLIENT_SECRET=$(sed -n 's/^CLIENT_SECRET=//p' "$TMP/load.env")
[ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || die "no client ID / secret from the setup"
# Generated secrets are alphanumeric, so the RFC 6749 form-encoding before Basic changes nothing.
AUTH=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
say "registered $CLIENT_ID for the load"

# ---------------------------------------------------------------- warm-up
# Both actors for a while, so the starting RSS includes every kind of work (argon2, pages, SQLite caches).
say "warm-up: ${WARMUP}s of load and admin activity (not measured)"
start_wrk warmup "$WARMUP"
start_admin warmup "$WARMUP" W warmup
wait_both warmup
grep -q '^ADMIN_RESULT ok=1' "$TMP/admin-warmup.out" || { cat "$TMP/admin-warmup.txt" >&2; die "warm-up failed"; }
server_alive "during the warm-up"
sleep 2
RSS_START=$(rss_kb)
DB_START=$(db_kib)
FDS_START=$(fds)

# ---------------------------------------------------------------- the soak
say "soak: ${DURATION}s of wrk ($THREADS thread, $CONNECTIONS connections) on /connect/token + the admin ..."
t0=$SECONDS
# RSS every RSS_EVERY s (1 s polls, so stopping it leaves no long sleep behind).
(
  n=0
  while :; do
    ((n++ % RSS_EVERY)) || echo "$((SECONDS - t0)) $(rss_kb)"
    sleep 1
  done
) >"$TMP/rss.txt" &
SAMPLER_PID=$!
start_wrk soak "$DURATION"
start_admin soak "$DURATION" M
wait_both soak
ELAPSED=$((SECONDS - t0))
stop_pid "$SAMPLER_PID"
SAMPLER_PID=
server_alive "during the soak"
sleep 2
RSS_END=$(rss_kb)
RSS_HWM=$(hwm_kb)
DB_END=$(db_kib)
FDS_END=$(fds)

# ---------------------------------------------------------------- results
W="$TMP/wrk-soak.txt"
REQUESTS=$(field BENCH_RESULT requests "$W")
NON2XX=$(field BENCH_RESULT non2xx "$W")
SOCKET=$(field BENCH_RESULT socket_errors "$W")
LOAD_5XX=$(field BENCH_RESULT status5xx "$W")
[ -n "$REQUESTS" ] && [ -n "$NON2XX" ] && [ -n "$SOCKET" ] && [ -n "$LOAD_5XX" ] ||
  { cat "$W" >&2; die "could not parse wrk's output"; }
RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$W")
P50=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "50%" { print $2; exit }' "$W")")
P99=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "99%" { print $2; exit }' "$W")")
LOAD_STATUSES=$(sed -n 's/^BENCH_STATUSES //p' "$W")

A="$TMP/admin-soak.out"
ADMIN_OK=$(field ADMIN_RESULT ok "$A")
ADMIN_5XX=$(field ADMIN_RESULT server_errors "$A")
VIOLATIONS=$(field ADMIN_RESULT violations "$A")

RSS_PEAK=$(awk -v p="$RSS_END" '$2 > p { p = $2 } END { print p }' "$TMP/rss.txt")
RSS_LIMIT=$(awk -v s="$RSS_START" -v g="$RSS_GROWTH" -v m="$RSS_SLACK_MIB" 'BEGIN { printf "%d", s * g + m * 1024 }')
RSS_RATIO=$(awk -v s="$RSS_START" -v e="$RSS_END" 'BEGIN { printf "%.2f", s ? e / s : 0 }')
SAMPLES=$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $2 / 1024 }' "$TMP/rss.txt")
LOG_ERRORS=$(grep -c -E ' ERROR |panicked' "$TMP/server.log" || true)
LOG_WARNS=$(grep -c ' WARN ' "$TMP/server.log" || true)

problems=()
((LOAD_5XX == 0)) || problems+=("$LOAD_5XX 5xx on the token load")
((NON2XX == 0)) || problems+=("$NON2XX non-2xx on the token load ($LOAD_STATUSES)")
((SOCKET == 0)) || problems+=("$SOCKET socket errors on the token load")
((REQUESTS > 0)) || problems+=("no token requests completed")
[ "$ADMIN_OK" = 1 ] || problems+=("admin side: ${ADMIN_5XX:-?} 5xx, ${VIOLATIONS:-?} violations, see above")
((RSS_END <= RSS_LIMIT)) || problems+=("RSS grew from $(mib "$RSS_START") to $(mib "$RSS_END") MiB (limit $(mib "$RSS_LIMIT"))")

echo
echo "== frontdesk soak: ${ELAPSED}s of /connect/token load (wrk $THREADS thread, $CONNECTIONS connections) + admin edits and rotations"
printf 'token load:   %s requests, %s req/s, p50 %s ms, p99 %s ms\n' "$REQUESTS" "$RPS" "$P50" "$P99"
printf '  errors:     %s non-2xx, %s 5xx, %s socket errors%s\n' "$NON2XX" "$LOAD_5XX" "$SOCKET" \
  "${LOAD_STATUSES:+ ($LOAD_STATUSES)}"
cat "$TMP/admin-soak.txt"
printf 'memory:       RSS %s MiB at the start, %s MiB at the end (x%s; limit %s MiB), peak %s MiB (VmHWM %s MiB)\n' \
  "$(mib "$RSS_START")" "$(mib "$RSS_END")" "$RSS_RATIO" "$(mib "$RSS_LIMIT")" "$(mib "$RSS_PEAK")" "$(mib "$RSS_HWM")"
printf '  samples:    every %ss, MiB: %s\n' "$RSS_EVERY" "$SAMPLES"
printf 'database:     %s KiB at the start, %s KiB at the end (db + WAL + shm)\n' "$DB_START" "$DB_END"
printf 'open files:   %s at the start, %s at the end (every client gone: sockets, database files)\n' "$FDS_START" "$FDS_END"
printf 'server log:   %s ERROR lines, %s WARN lines (RUST_LOG=warn)\n' "$LOG_ERRORS" "$LOG_WARNS"
printf 'machine:      %s CPUs, load average %s at the end\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
if ((LOG_ERRORS)); then
  grep -E ' ERROR |panicked' "$TMP/server.log" | head -5 | sed 's/^/  /'
fi

if ((${#problems[@]})); then
  echo "result:       FAILED"
  printf '  - %s\n' "${problems[@]}"
  say "admin script log tail:"
  tail -5 "$TMP/admin-soak.log" >&2 || true
  exit 1
fi
echo "result:       passed"
exit 0
