#!/usr/bin/env bash
# Load benchmark of frontdesk's token endpoint (POST /connect/token, client credentials, RS256 JWT),
# optionally side by side with the reference peer (node-oidc-provider, ../shared/peers/oidc-provider).
#
# Usage (from the repo root, as root on Debian 12):  bash bench/token.sh
#   DURATION=10s     length of each measured wrk run (wrk syntax: 10s, 1m, ...)
#   WARMUP=2s        unmeasured wrk run before each server's first measured run (0 to skip)
#   PEER=1           0 skips the node-oidc-provider comparison
#   PEER_START_TIMEOUT=300  seconds to wait for the peer (its first start runs npm install)
#   SIGN_SECONDS=3   length of the signing-limit measurement (benches/sign_limit.rs; 0 to skip)
#   FRONTDESK_BIN=path  use this binary instead of building (e.g. one built from a clean checkout
#                       while the working tree is mid-edit)
#
# Exit status: 0 on success; 1 if the app could not be registered, a token request failed, or
# frontdesk's own measured run(s) had errors. Performance targets are printed, never enforced: the
# machine is shared and noisy.
# shellcheck disable=SC2015,SC2317 # "a && b || c" on purpose; cleanup runs from the EXIT trap
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
PEER=${PEER:-1}
PEER_START_TIMEOUT=${PEER_START_TIMEOUT:-300}
SIGN_SECONDS=${SIGN_SECONDS:-3}
THREADS=1
CONNECTIONS=4
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='bench admin password 123'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
LUA="$ROOT/bench/token.lua"
PEER_START="$ROOT/../shared/peers/oidc-provider/start.sh"


# ---------------------------------------------------------------- tools
need wrk curl top:procps # top: how busy the machine is before the load
frontdesk_binary

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-bench.XXXXXX")
SERVER_PID=
PEER_PID=
WRK_PID=

cleanup() {
  local rc=$?
  [ -n "$WRK_PID" ] && stop_pid "$WRK_PID"
  [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
  # The peer runs in its own session (setsid): signal the whole group, so npm or node children go too.
  [ -n "$PEER_PID" ] && stop_pid "$PEER_PID" group
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM




secs_to_ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }



# ---------------------------------------------------------------- frontdesk
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$TMP/db"
# Run the binary itself (not cargo run) so $! is the server and /proc/$!/status is its memory.
FRONTDESK_LISTEN="127.0.0.1:$PORT" DATABASE_URL="sqlite://$TMP/db/bench.db" \
  FRONTDESK_ADMIN_EMAIL="$ADMIN_EMAIL" FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG=warn \
  "$BIN" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

say "starting frontdesk on $BASE (pid $SERVER_PID) ..."
for i in $(seq 300); do # up to 30 s
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "frontdesk exited during start-up"; }
  curl -fsS -o /dev/null --max-time 1 "$BASE/login" 2>/dev/null && break
  ((i < 300)) || { cat "$TMP/server.log" >&2; die "frontdesk did not answer /login within 30 s"; }
  sleep 0.1
done

# Register the app as a browser would: session cookie + CSRF token from each form page.
JAR="$TMP/cookies.txt"
C=(curl -sS --max-time 10 -c "$JAR" -b "$JAR")
"${C[@]}" -o "$TMP/login.html" "$BASE/login"
csrf=$(input_value 'name="csrf_token"' "$TMP/login.html")
[ -n "$csrf" ] || die "no csrf_token on /login"
code=$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/login")
[ "$code" = 303 ] || die "sign-in answered $code, expected 303"

"${C[@]}" -o "$TMP/create.html" "$BASE/apps/connected-apps/create"
csrf=$(input_value 'name="csrf_token"' "$TMP/create.html")
[ -n "$csrf" ] || die "no csrf_token on /apps/connected-apps/create"
code=$("${C[@]}" -o "$TMP/created.html" -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
  -d client_code=BENCH -d client_name=Bench -d pii_mode=DontRetrieve -d secret_description=bench \
  -d scopes=setup.read -d scopes=reservations.read "$BASE/apps/connected-apps/create")
[ "$code" = 200 ] || die "registering the app answered $code, expected 200"
CLIENT_ID=$(input_value 'id="client-id"' "$TMP/created.html")
CLIENT_SECRET=$(input_value 'id="client-secret"' "$TMP/created.html")
[ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || die "no client ID / secret on the created page"
say "registered $CLIENT_ID"
# Generated secrets are alphanumeric, so the RFC 6749 form-encoding before Basic changes nothing.
AUTH=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)

# First request pays argon2; the second one hits the per-process verification cache.
token_request() { # prints "HTTP_CODE SECONDS", body in $TMP/token.json
  curl -sS --max-time 10 -o "$TMP/token.json" -w '%{http_code} %{time_total}' \
    -u "$CLIENT_ID:$CLIENT_SECRET" -H 'Content-Type: application/x-www-form-urlencoded' \
    -d grant_type=client_credentials "$BASE/connect/token"
}
read -r code first <<<"$(token_request)"
[ "$code" = 200 ] && grep -q '"access_token"' "$TMP/token.json" ||
  { cat "$TMP/token.json" >&2; die "first token request answered $code"; }
read -r code second <<<"$(token_request)"
[ "$code" = 200 ] || { cat "$TMP/token.json" >&2; die "second token request answered $code"; }
FIRST_MS=$(secs_to_ms "$first")
SECOND_MS=$(secs_to_ms "$second")

# ---------------------------------------------------------------- peer (optional)
PEER_NOTE=
if [ "$PEER" != 0 ]; then
  if [ ! -x "$PEER_START" ] && [ ! -f "$PEER_START" ]; then
    PEER_NOTE="peer skipped: $PEER_START not found"
  elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    PEER_NOTE="peer skipped: node/npm not installed"
  else
    PEER_PORT=$(free_port)
    PEER_BASE="http://127.0.0.1:$PEER_PORT"
    say "starting the peer on $PEER_BASE (first start runs npm install; up to ${PEER_START_TIMEOUT}s) ..."
    # Own session/process group, so cleanup can signal npm and node together.
    setsid bash "$PEER_START" "$PEER_PORT" >"$TMP/peer.log" 2>&1 </dev/null &
    PEER_PID=$!
    deadline=$((SECONDS + PEER_START_TIMEOUT))
    while :; do
      if ! kill -0 "$PEER_PID" 2>/dev/null; then
        PEER_NOTE="peer skipped: start.sh exited during start-up (npm install failed, no network?): $(tail -3 "$TMP/peer.log" | tr '\n' ' ')"
        PEER_PID=; break
      fi
      if curl -fsS -o /dev/null --max-time 1 "$PEER_BASE/.well-known/openid-configuration" 2>/dev/null; then
        break
      fi
      if ((SECONDS >= deadline)); then
        PEER_NOTE="peer skipped: not answering after ${PEER_START_TIMEOUT}s"
        stop_pid "$PEER_PID" group; PEER_PID=; break
      fi
      sleep 0.5
    done
    if [ -n "$PEER_PID" ]; then
      PEER_AUTH=$(printf '%s' 'peer-client:peer-secret-123' | base64 -w0)
      code=$(curl -sS --max-time 10 -o "$TMP/peer-token.json" -w '%{http_code}' -u peer-client:peer-secret-123 \
        -d grant_type=client_credentials "$PEER_BASE/token" || true)
      if [ "$code" != 200 ]; then
        PEER_NOTE="peer skipped: its token endpoint answered $code: $(head -c 200 "$TMP/peer-token.json" 2>/dev/null)"
        stop_pid "$PEER_PID" group; PEER_PID=
      fi
    fi
  fi
  [ -n "$PEER_NOTE" ] && say "note: $PEER_NOTE"
fi

# ---------------------------------------------------------------- signing limit
# The ceiling: RS256 signatures per second with frontdesk's own signer (aws-lc-rs, RSA-2048), one
# thread per CPU and nothing else running (benches/sign_limit.rs). Measured here, just before the load,
# so that both see the same machine; the report says what share of it frontdesk reaches.
SIGN_LIMIT= SIGN_NOTE=
if [ "$SIGN_SECONDS" = 0 ]; then
  SIGN_NOTE="not measured (SIGN_SECONDS=0)"
elif ! command -v cargo >/dev/null; then
  SIGN_NOTE="not measured (no cargo)"
else
  say "measuring the signing limit (benches/sign_limit.rs, ${SIGN_SECONDS}s) ..."
  # --profile release: the same build as the binary's, so nothing but the small bench is compiled.
  SIGN_LIMIT=$(cargo bench --locked --quiet --profile release --bench sign_limit -- "$SIGN_SECONDS" \
    2>"$TMP/sign.log" | sed -n 's/^SIGN_LIMIT signs_per_s=\([0-9]*\).*/\1/p' || true)
  [ -n "$SIGN_LIMIT" ] || SIGN_NOTE="not measured: $(tail -3 "$TMP/sign.log" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- load
# Another job on this 2-core machine (a compile, a test run) can halve the figures: measure how busy
# the CPUs are just before the load, name the main culprits, and say so in the report.
# top -n 2: the second sample covers the last second (the first averages since boot / process start).
top -b -n 2 -d 1 -o %CPU >"$TMP/top.txt" 2>/dev/null || true
BUSY_PCT=$(awk '/^top -/ { n++ } n == 2 && /^%Cpu/ && match($0, /[0-9.]+ id/) {
  printf "%.0f", 100 - substr($0, RSTART, RLENGTH - 3) }' "$TMP/top.txt")
BUSY_PCT=${BUSY_PCT:-0}
if ((BUSY_PCT > 15)); then
  say "note: the CPUs were ${BUSY_PCT}% busy just before the load; figures will be skewed. Top processes:"
  awk '/^top -/ { n++ } n == 2 && /^ *[0-9]+ / { print "    " $9 "% " $12; if (++k == 3) exit }' \
    "$TMP/top.txt" >&2
fi

# Peak RSS so far: set-up (argon2 for the admin password, the sign-in, the new secret, the first token).
hwm_before_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")

URL="$BASE/connect/token"
if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
  say "warm-up: frontdesk $WARMUP${PEER_PID:+, peer $WARMUP} (not measured)"
  run_token_wrk warmup-frontdesk "$URL" "$AUTH" "$WARMUP"
  [ -n "$PEER_PID" ] && run_token_wrk warmup-peer "$PEER_BASE/token" "$PEER_AUTH" "$WARMUP"
fi

# Alternate the two servers (frontdesk, peer, frontdesk) so a noisy neighbour hits both alike.
if [ -n "$PEER_PID" ]; then ORDER=(frontdesk peer frontdesk); else ORDER=(frontdesk); fi
RUN_NAMES=() RUN_RPS=() RUN_P50=() RUN_P99=() RUN_ERR=()
FD_ERRORS=0
n=0
for who in "${ORDER[@]}"; do
  n=$((n + 1))
  say "run $n/${#ORDER[@]}: $who, wrk $THREADS thread $CONNECTIONS connections $DURATION ..."
  if [ "$who" = frontdesk ]; then
    run_token_wrk "$n-frontdesk" "$URL" "$AUTH" "$DURATION"
    FD_ERRORS=$((FD_ERRORS + ERRORS))
  else
    run_token_wrk "$n-peer" "$PEER_BASE/token" "$PEER_AUTH" "$DURATION"
  fi
  RUN_NAMES+=("$who") RUN_RPS+=("$RPS") RUN_P50+=("$P50") RUN_P99+=("$P99") RUN_ERR+=("$ERRORS")
done

# Peak RSS of the server process itself (high-water mark since start, so it covers every run).
kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "frontdesk died under load"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
RSS_MIB=$(mib "$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")")
RSS_BEFORE_MIB=$(mib "$hwm_before_kb")
RSS_NOW_MIB=$(mib "$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")")

# ---------------------------------------------------------------- report
# The headline figures are frontdesk's first measured run; the others are in the comparison table.
F_RPS=${RUN_RPS[0]} F_P50=${RUN_P50[0]} F_P99=${RUN_P99[0]}
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
# frontdesk's throughput for the comparisons: the mean of its runs either side of the peer's.
if [ -n "$PEER_PID" ]; then
  F_MEAN=$(awk -v a="${RUN_RPS[0]}" -v b="${RUN_RPS[2]}" 'BEGIN { printf "%.0f", (a + b) / 2 }')
  RATIO=$(awk -v f="$F_MEAN" -v p="${RUN_RPS[1]}" 'BEGIN { printf "%.2f", f / p }')
else
  F_MEAN=$F_RPS RATIO=
fi
[ -n "$SIGN_LIMIT" ] && SHARE=$(awk -v f="$F_MEAN" -v l="$SIGN_LIMIT" 'BEGIN { printf "%.2f", f / l }')

echo
echo "== frontdesk /connect/token (RS256), wrk $THREADS thread $CONNECTIONS connections $DURATION keep-alive"
printf 'requests/s:   %s\n' "$F_RPS"
printf 'latency p50:  %s ms   p99: %s ms\n' "$F_P50" "$F_P99"
printf 'errors:       %s%s\n' "${RUN_ERR[0]}" \
  "$( ((${#ORDER[@]} > 1)) && echo " ($FD_ERRORS over both frontdesk runs)" || true)"
printf 'peak RSS:     %s MiB (VmHWM; %s MiB before the load, %s MiB resident after it)\n' \
  "$RSS_MIB" "$RSS_BEFORE_MIB" "$RSS_NOW_MIB"
printf 'first (uncached) request: %s ms; second (cached): %s ms\n' "$FIRST_MS" "$SECOND_MS"
if [ -n "$SIGN_LIMIT" ]; then
  printf 'signing limit ~%s/s (RS256 alone: aws-lc-rs RSA-2048 on %s threads); frontdesk reaches %s of it (%s/s%s)\n' \
    "$SIGN_LIMIT" "$(nproc)" "$SHARE" "$F_MEAN" "$( [ -n "$RATIO" ] && echo ", mean of runs 1 and 3" || true)"
else
  printf 'signing limit %s\n' "$SIGN_NOTE"
fi
printf 'machine:      %s CPUs, %s%% busy just before the load%s\n' "$(nproc)" "$BUSY_PCT" \
  "$( ((BUSY_PCT > 15)) && echo " (another job was running: figures skewed, re-run when idle)" || true)"
printf 'targets:      req/s >= 2.0x the peer: %s; p99 < 5 ms: %s; 0 errors: %s; peak RSS < 64 MiB: %s; moonshot 0.75 of the signing limit: %s\n' \
  "$([ -n "$RATIO" ] && verdict "$RATIO >= 2" || echo "n/a (no peer)")" "$(verdict "$F_P99 < 5")" \
  "$(verdict "$FD_ERRORS == 0")" "$(verdict "$RSS_MIB < 64")" \
  "$([ -n "$SIGN_LIMIT" ] && verdict "$SHARE >= 0.75" || echo "n/a")"

if [ "$PEER" != 0 ]; then
  echo
  echo "== side by side with node-oidc-provider (POST /token), same wrk settings, alternating"
  if [ -n "$PEER_NOTE" ]; then
    echo "$PEER_NOTE"
  else
    printf '%-4s %-10s %10s %10s %10s %7s\n' run server 'req/s' 'p50 ms' 'p99 ms' errors
    for i in "${!RUN_NAMES[@]}"; do
      printf '%-4s %-10s %10s %10s %10s %7s\n' "$((i + 1))" "${RUN_NAMES[$i]}" "${RUN_RPS[$i]}" \
        "${RUN_P50[$i]}" "${RUN_P99[$i]}" "${RUN_ERR[$i]}"
    done
    # Above 1x, frontdesk serves more; below 1x, its latencies are lower.
    awk -v r="$RATIO" -v f="$F_MEAN" -v p="${RUN_RPS[1]}" \
      -v a50="${RUN_P50[0]}" -v b50="${RUN_P50[2]}" -v p50="${RUN_P50[1]}" \
      -v a99="${RUN_P99[0]}" -v b99="${RUN_P99[2]}" -v p99="${RUN_P99[1]}" 'BEGIN {
        printf "ratio frontdesk/peer: req/s %.2fx (%d vs %d/s); latency p50 %.2fx, p99 %.2fx (frontdesk = mean of runs 1 and 3)\n",
          r, f, p, (a50 + b50) / 2 / p50, (a99 + b99) / 2 / p99 }'
  fi
fi

if ((FD_ERRORS)); then
  say "frontdesk answered $FD_ERRORS requests with errors (see above); server log tail:"
  tail -20 "$TMP/server.log" >&2 || true
  exit 1
fi
exit 0
