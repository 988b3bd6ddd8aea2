#!/usr/bin/env bash
# Memory of the Activity exports (GET /activity/export.csv and .jsonl): the server's peak RSS (VmHWM)
# before and after downloading every entry, with 1,000 entries and with 100,000, side by side. The
# exports stream batches of 500 rows read by id, so the peak should not grow with the log.
#
# Usage (from the repo root, as root on Debian 12):  bash bench/export.sh
#   SMALL=1000 LARGE=100000   the two sizes of the audit log
#   FRONTDESK_BIN=path        use this binary instead of building the release one
#
# The entries are inserted with SQL (the server starts once to create and migrate the database, stops,
# sqlite3 inserts, the server starts again). Exit status 1 if a download fails or a line count is off.
#
# Found (2 shared cores; run with FRONTDESK_BIN=target/debug/frontdesk, the release build did not fit
# the time box, so the seconds are a debug build's; the release run is still to do):
#   entries      VmHWM before    VmHWM after    csv s    jsonl s
#   1000             49496 KiB       49496 KiB     0.04       0.08
#   100000           49160 KiB       49160 KiB     3.61       4.74
#   peak after, 100000 vs 1000 entries: x0.99 (entries x100)
# Both downloads had the expected line counts. The peak is the sign-in's argon2 (about 19 MiB) over the
# server's base; 100,000 entries add nothing measurable to it: memory stays flat.
set -euo pipefail

SMALL=${SMALL:-1000}
LARGE=${LARGE:-100000}
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='bench admin password 123'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

need curl sqlite3
frontdesk_binary

TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-export-bench.XXXXXX")
SERVER_PID=
cleanup() {
  local rc=$?
  [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() { # the binary itself, so $! is the server and /proc/$!/status its memory
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  FRONTDESK_LISTEN="127.0.0.1:$PORT" DATABASE_URL="sqlite://$DB" \
    FRONTDESK_ADMIN_EMAIL="$ADMIN_EMAIL" FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG=warn \
    "$BIN" >>"$TMP/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for _ in $(seq 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "frontdesk exited during start-up"; }
    curl -fsS -o /dev/null --max-time 1 "$BASE/login" 2>/dev/null && return 0
    sleep 0.1
  done
  die "frontdesk did not answer /login within 30 s"
}

stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=
  stop_pid "$pid"
}

hwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$SERVER_PID/status"; }

# measure N: prints "N before_kib after_kib csv_seconds jsonl_seconds"
measure() {
  local n=$1
  DB="$TMP/$n/bench.db"
  mkdir -p "$TMP/$n"
  start_server # creates and migrates the database, and the admin
  stop_server
  timeout 300 sqlite3 -bail -batch "$DB" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO audit_log (at, actor_email, source_addr, action, client_id, details)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01 00:00:00', '+' || i || ' seconds'),
  'person' || (i % 50) || '@example.com', '192.0.2.' || (i % 250), 'app.edited',
  'DEMO-SP-APP_' || (i % 300),
  '{"before":{"client_name":"App ' || i || '","scopes":["setup.read"]},"after":{"client_name":"App ' || i || ' renamed","scopes":["setup.read","rates.read"]}}'
FROM n;
COMMIT;
SQL
  start_server
  local jar="$TMP/$n/cookies.txt" csrf code
  local C=(curl -sS --max-time 600 -c "$jar" -b "$jar")
  "${C[@]}" -o "$TMP/$n/login.html" "$BASE/login"
  csrf=$(input_value 'name="csrf_token"' "$TMP/$n/login.html")
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/login")
  [ "$code" = 303 ] || die "sign-in answered $code, expected 303"
  local before after t0 t1 t2 rows
  before=$(hwm_kib)
  t0=$(date +%s.%N)
  "${C[@]}" -f -o "$TMP/$n/all.csv" "$BASE/activity/export.csv"
  t1=$(date +%s.%N)
  "${C[@]}" -f -o "$TMP/$n/all.jsonl" "$BASE/activity/export.jsonl"
  t2=$(date +%s.%N)
  after=$(hwm_kib)
  # Every seeded entry, plus the sign-in's own entry; the CSV has a header line too. (wc -l counts
  # lines; the seeded cells hold no line breaks.)
  rows=$((n + 1))
  [ "$(wc -l <"$TMP/$n/all.csv")" -eq $((rows + 1)) ] || die "CSV: $(wc -l <"$TMP/$n/all.csv") lines, expected $((rows + 1))"
  [ "$(wc -l <"$TMP/$n/all.jsonl")" -eq "$rows" ] || die "JSON Lines: $(wc -l <"$TMP/$n/all.jsonl") lines, expected $rows"
  stop_server
  echo "$n $before $after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')"
}

read -r s_n s_before s_after s_csv s_jsonl < <(measure "$SMALL")
read -r l_n l_before l_after l_csv l_jsonl < <(measure "$LARGE")
printf '%-10s %14s %14s %8s %10s\n' entries "VmHWM before" "VmHWM after" "csv s" "jsonl s"
printf '%-10s %11s KiB %11s KiB %8s %10s\n' "$s_n" "$s_before" "$s_after" "$s_csv" "$s_jsonl"
printf '%-10s %11s KiB %11s KiB %8s %10s\n' "$l_n" "$l_before" "$l_after" "$l_csv" "$l_jsonl"
awk -v a="$s_after" -v b="$l_after" -v sn="$s_n" -v ln="$l_n" \
  'BEGIN { printf "peak after, %d vs %d entries: x%.2f (entries x%d)\n", ln, sn, b / a, ln / sn }'
