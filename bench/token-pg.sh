#!/usr/bin/env bash
# Token endpoint throughput on SQLite and on PostgreSQL, side by side in one run: one instance on SQLite,
# one instance on PostgreSQL, and two instances on PostgreSQL behind nginx (deploy/nginx-ha.conf), all
# driven by the same wrk load as bench/token.sh (POST /connect/token, client credentials, RS256 JWT).
# Target: one instance on PostgreSQL serves at least 0.8x the tokens/s of one on SQLite.
#
# Usage (from the repo root, as root on Debian 12):  bash bench/token-pg.sh
#   DURATION=10s     length of each measured wrk run
#   WARMUP=2s        unmeasured wrk run against each set-up first (0 to skip)
#   ROUNDS=2         measured rounds; each round runs sqlite, postgres, postgres x2 in turn, so a noisy
#                    neighbour hits all three alike; the figures are the means over rounds
#   CONNECTIONS=4    wrk connections (1 thread), as bench/token.sh
#   DB_MAX_CONNECTIONS=  FRONTDESK_DB_MAX_CONNECTIONS of the instances (unset: frontdesk's default)
#   FRONTDESK_BIN=path  use this binary instead of building
#
# Exit status: 0 on success; 1 if set-up failed or a measured run had errors. The 0.8x target is
# printed, never enforced (a shared 2-CPU machine is noisy), as in the other bench scripts.
#
# On this 2-CPU machine, wrk, PostgreSQL, nginx and the instances share the same two cores, so the two
# instances behind nginx show what the balancer costs, not what a second machine would add.
#
# It also prints each set-up's CPU per token from /proc (the instance's, and PostgreSQL's server
# processes'), and the instance-only ratio: tokens per CPU second of the instance, which is what a
# deployment with PostgreSQL on a machine of its own scales by.
# 2026-11-30 (idle machine, 2 rounds of 10 s): SQLite 5,128 tokens/s, PostgreSQL 3,528 (0.69x, target
# missed on one shared machine), two instances behind nginx 2,659; CPU per token: SQLite instance 349 us,
# PostgreSQL instance 411 us + PostgreSQL server 112 us: per CPU second of the instance itself 0.85x.
#
# What it found before (2026-11, 2 CPUs): PostgreSQL reaches 0.69x of SQLite, target missed. On the idle machine,
# 2 rounds of 10 s: SQLite 5,849 tokens/s (p99 1.3 ms), PostgreSQL 4,040 (p99 2.4 ms), two PostgreSQL
# instances behind nginx 3,052 (p99 2.9 ms). (With another build running: 0.57x to 0.76x.) The cost is
# CPU on the same two cores, measured per token from /proc (utime + stime) over interleaved 6 s runs:
#   SQLite      frontdesk 313 us                      (the read runs in place, src/store/inline.rs)
#   PostgreSQL  frontdesk 385 us + postgres 126 us    (the pool's ping + the one SELECT, two round trips)
#   same, built with test_before_acquire(false): frontdesk 362 us + postgres 101 us
# So about 70 us more in frontdesk (sqlx's PostgreSQL driver, round trips, wake-ups) and 125 us in
# PostgreSQL's backend, which on a real deployment runs on a machine of its own: there an instance's own
# CPU per token is 385 us against 313 us (0.81x). The ping before every acquire (src/store/pool.rs,
# test_before_acquire(true), what makes a restarted PostgreSQL invisible to requests) is a small part:
# without it (an experimental build, not committed) 0.71x instead of 0.69x on the idle machine.
# FRONTDESK_DB_MAX_CONNECTIONS hardly matters at 4 connections of load: 2 gave 0.67x, 16 gave 0.76x, the
# default 8 0.57x to 0.69x (those three on the busy machine, about +-10 %).
# Reading in batches (requests arriving while a read is in flight share the next one) was tried and
# reverted: 0.65x with two readers, 0.64x with one. At this load reads rarely overlap, since each request
# spends most of its time signing, so a batch holds one lookup and the queue only adds a hop.
# shellcheck disable=SC2015,SC2317 # "a && b || c" on purpose; cleanup runs from the EXIT trap
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-2}
THREADS=1
CONNECTIONS=${CONNECTIONS:-4}
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='bench admin password 123'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=tests/postgres/lib.sh
source "$ROOT/tests/postgres/lib.sh"
LUA="$ROOT/bench/token.lua"

need wrk curl nginx:nginx-light runuser:util-linux
frontdesk_binary

TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-bench-pg.XXXXXX")
chmod 755 "$TMP"
declare -A PID=() PORT=()
NGINX_PID=
WRK_PID=
cleanup() {
  local rc=$? name
  [ -n "$WRK_PID" ] && stop_pid "$WRK_PID"
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  [ -n "$NGINX_PID" ] && stop_pid "$NGINX_PID"
  pg_cleanup
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- servers
# A random port can be taken meanwhile: a few tries.
for attempt in 1 2 3; do
  pg_start "$(free_port)" && break
  pg_cleanup
  ((attempt < 3)) || die "PostgreSQL did not start"
done
"$PG_BIN/psql" "postgres://frontdesk@127.0.0.1:$PG_PORT/postgres" -qc 'CREATE DATABASE bench' >/dev/null
PG_URL="postgres://frontdesk@127.0.0.1:$PG_PORT/bench"
PORT[lb]=$(free_port)

start_server() { # start_server NAME DATABASE_URL
  local name=$1
  PORT[$name]=$(free_port)
  local pool=()
  [ -n "${DB_MAX_CONNECTIONS:-}" ] && pool=("FRONTDESK_DB_MAX_CONNECTIONS=$DB_MAX_CONNECTIONS")
  env FRONTDESK_LISTEN="127.0.0.1:${PORT[$name]}" DATABASE_URL="$2" \
    FRONTDESK_ADMIN_EMAIL="$ADMIN_EMAIL" FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG=warn \
    "${pool[@]}" "$BIN" >"$TMP/$name.log" 2>&1 &
  PID[$name]=$!
  local i
  for i in $(seq 300); do
    kill -0 "${PID[$name]}" 2>/dev/null || { cat "$TMP/$name.log" >&2; die "$name exited during start-up"; }
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${PORT[$name]}/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$TMP/$name.log" >&2
  die "$name not ready within 30 s"
}
mkdir -p "$TMP/db"
start_server sqlite "sqlite://$TMP/db/bench.db"
start_server pg1 "$PG_URL"
start_server pg2 "$PG_URL"
start_nginx_ha "$TMP/nginx" "${PORT[lb]}" "${PORT[pg1]}" "${PORT[pg2]}"
say "sqlite :${PORT[sqlite]}, postgres :${PORT[pg1]} and :${PORT[pg2]} (PostgreSQL $PG_PORT), nginx :${PORT[lb]}"

# One app on the SQLite database, one on the PostgreSQL one (both PostgreSQL instances see it).
mkdir -p "$TMP/reg-sqlite" "$TMP/reg-pg"
register_app "http://127.0.0.1:${PORT[sqlite]}" BENCH "$TMP/reg-sqlite"
AUTH_SQLITE=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
register_app "http://127.0.0.1:${PORT[pg1]}" BENCH "$TMP/reg-pg"
AUTH_PG=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)

declare -A URL=(
  [sqlite]="http://127.0.0.1:${PORT[sqlite]}/connect/token"
  [postgres]="http://127.0.0.1:${PORT[pg1]}/connect/token"
  [nginx]="http://127.0.0.1:${PORT[lb]}/connect/token"
)
declare -A AUTH=([sqlite]=$AUTH_SQLITE [postgres]=$AUTH_PG [nginx]=$AUTH_PG)
SETUPS=(sqlite postgres nginx)
declare -A LABEL=([sqlite]="1 instance, SQLite" [postgres]="1 instance, PostgreSQL"
  [nginx]="2 instances, PostgreSQL, nginx")


# ---------------------------------------------------------------- load
# The warm-up also pays each instance's one argon2 verification of the secret (both PostgreSQL instances
# get it through nginx's round robin).
if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
  for s in "${SETUPS[@]}"; do
    say "warm-up: ${LABEL[$s]} ($WARMUP, not measured)"
    run_token_wrk "warmup-$s" "${URL[$s]}" "${AUTH[$s]}" "$WARMUP"
  done
fi

# CPU time (clock ticks, user + system) of one process, and of every PostgreSQL server process.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pg_ticks() {
  local total=0 p
  for p in $(pgrep -x postgres); do total=$((total + $(cpu_ticks "$p" 2>/dev/null || echo 0))); done
  echo "$total"
}
declare -A CPU_PID=([sqlite]=${PID[sqlite]} [postgres]=${PID[pg1]})

declare -A SUM_RPS=() SUM_P50=() SUM_P99=() SUM_ERR=() SUM_REQ=() SUM_CPU=() SUM_PGCPU=()
TABLE=()
TOTAL_ERRORS=0
for round in $(seq "$ROUNDS"); do
  for s in "${SETUPS[@]}"; do
    say "round $round/$ROUNDS: ${LABEL[$s]}, wrk $THREADS thread $CONNECTIONS connections $DURATION ..."
    cpu0=0 pg0=$(pg_ticks)
    [ -n "${CPU_PID[$s]:-}" ] && cpu0=$(cpu_ticks "${CPU_PID[$s]}")
    run_token_wrk "$round-$s" "${URL[$s]}" "${AUTH[$s]}" "$DURATION"
    if [ -n "${CPU_PID[$s]:-}" ]; then
      SUM_CPU[$s]=$((${SUM_CPU[$s]:-0} + $(cpu_ticks "${CPU_PID[$s]}") - cpu0))
      SUM_PGCPU[$s]=$((${SUM_PGCPU[$s]:-0} + $(pg_ticks) - pg0))
      SUM_REQ[$s]=$((${SUM_REQ[$s]:-0} + $(awk '/requests in/ { print $1; exit }' "$TMP/wrk-$round-$s.txt")))
    fi
    SUM_RPS[$s]=$((${SUM_RPS[$s]:-0} + RPS))
    SUM_P50[$s]=$(awk -v a="${SUM_P50[$s]:-0}" -v b="$P50" 'BEGIN { print a + b }')
    SUM_P99[$s]=$(awk -v a="${SUM_P99[$s]:-0}" -v b="$P99" 'BEGIN { print a + b }')
    SUM_ERR[$s]=$((${SUM_ERR[$s]:-0} + ERRORS))
    TOTAL_ERRORS=$((TOTAL_ERRORS + ERRORS))
    TABLE+=("$(printf '%-5s %-34s %9s %9s %9s %7s' "$round" "${LABEL[$s]}" "$RPS" "$P50" "$P99" "$ERRORS")")
  done
done
for s in "${PID[@]}"; do kill -0 "$s" 2>/dev/null || die "an instance died under load"; done

# ---------------------------------------------------------------- report
mean() { awk -v s="$1" -v n="$ROUNDS" 'BEGIN { printf "%.0f", s / n }'; }
mean2() { awk -v s="$1" -v n="$ROUNDS" 'BEGIN { printf "%.2f", s / n }'; }
echo
echo "== /connect/token (RS256) on SQLite and PostgreSQL, wrk $THREADS thread $CONNECTIONS connections $DURATION, $ROUNDS rounds"
echo "   ($(nproc) CPUs shared by wrk, nginx, PostgreSQL and the instances; FRONTDESK_DB_MAX_CONNECTIONS=${DB_MAX_CONNECTIONS:-default})"
printf '%-5s %-34s %9s %9s %9s %7s\n' round setup 'req/s' 'p50 ms' 'p99 ms' errors
printf '%s\n' "${TABLE[@]}"
for s in "${SETUPS[@]}"; do
  printf '%-5s %-34s %9s %9s %9s %7s\n' mean "${LABEL[$s]}" "$(mean "${SUM_RPS[$s]}")" \
    "$(mean2 "${SUM_P50[$s]}")" "$(mean2 "${SUM_P99[$s]}")" "${SUM_ERR[$s]}"
done
RATIO=$(awk -v p="${SUM_RPS[postgres]}" -v s="${SUM_RPS[sqlite]}" 'BEGIN { printf "%.2f", p / s }')
PAIR=$(awk -v p="${SUM_RPS[nginx]}" -v s="${SUM_RPS[postgres]}" 'BEGIN { printf "%.2f", p / s }')
printf 'PostgreSQL / SQLite, one instance: %sx (target >= 0.8x: %s)\n' "$RATIO" \
  "$(awk -v r="$RATIO" 'BEGIN { print (r >= 0.8 ? "met" : "MISSED") }')"
printf 'two instances behind nginx / one instance, PostgreSQL: %sx (same 2 CPUs: the cost of the balancer)\n' "$PAIR"
# What the throughput ratio hides on one machine: PostgreSQL's own CPU comes out of the instance's
# cores. Per token, from /proc (user + system) over the measured runs:
HZ=$(getconf CLK_TCK)
us() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }'; }
SQ_US=$(us "${SUM_CPU[sqlite]}" "${SUM_REQ[sqlite]}")
PG_US=$(us "${SUM_CPU[postgres]}" "${SUM_REQ[postgres]}")
PG_SERVER_US=$(us "${SUM_PGCPU[postgres]}" "${SUM_REQ[postgres]}")
printf 'CPU per token: SQLite instance %s us; PostgreSQL instance %s us + PostgreSQL server %s us\n' \
  "$SQ_US" "$PG_US" "$PG_SERVER_US"
printf 'tokens per CPU second of the instance itself (the database on a machine of its own), PostgreSQL / SQLite: %sx\n' \
  "$(awk -v a="$SQ_US" -v b="$PG_US" 'BEGIN { printf "%.2f", a / b }')"

if ((TOTAL_ERRORS)); then
  say "measured runs had $TOTAL_ERRORS errors (see above)"
  exit 1
fi
exit 0
