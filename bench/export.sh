#!/usr/bin/env bash
# Memory of the Activity exports (GET /activity/export.csv and .jsonl): the server's peak RSS (VmHWM)
# before and after downloading every entry, with 1,000 entries and with 100,000, side by side. The
# exports stream batches of 500 rows read by id, so the peak should not grow with the log.
#
# Usage (from the repo root, as root on Debian 12):  bash bench/export.sh
#   SIZES="1000 10000 100000 300000"   the sizes of the audit log, each measured on a fresh server
#   FRONTDESK_BIN=path        use this binary instead of building the release one
#
# The entries are inserted with SQL (the server starts once to create and migrate the database, stops,
# sqlite3 inserts, the server starts again). Exit status 1 if a download fails or a line count is off.
#
# Found (release build, 2 shared cores, 2026-11-30; the peak is reset after the sign-in, whose argon2
# would otherwise be the peak):
#   entries        RSS before    peak during       growth    csv s    jsonl s
#   1000            18428 KiB      19952 KiB     1524 KiB     0.02       0.03
#   10000           18220 KiB      24024 KiB     5804 KiB     0.09       0.12
#   100000          18400 KiB      26192 KiB     7792 KiB     0.60       1.01
#   300000          18572 KiB      26488 KiB     7916 KiB     1.58       2.60
# The growth levels off near 8 MiB (x1.02 from 100,000 to 300,000 entries): what the exports keep is
# bounded, consistent with SQLite's page cache (up to 2 MiB per pooled connection), not with the rows.
set -euo pipefail

SIZES=${SIZES:-1000 10000 100000 300000}
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

stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=
  stop_pid "$pid"
}

hwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$SERVER_PID/status"; }
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status"; }
# Sets the server's peak RSS (VmHWM) back to its current RSS (Linux: clear_refs 5), so the peak read
# afterwards is the exports' own, not the sign-in's argon2 (about 19 MiB) that came before.
reset_peak() { echo 5 >"/proc/$SERVER_PID/clear_refs" || die "cannot reset the peak RSS of $SERVER_PID"; }

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
  local jar="$TMP/$n/cookies.txt"
  local C=(curl -sS --max-time 600 -c "$jar" -b "$jar")
  sign_in_admin "$jar"
  local before after t0 t1 t2 rows
  reset_peak
  before=$(rss_kib)
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

printf '%-10s %14s %14s %12s %8s %10s\n' entries "RSS before" "peak during" "growth" "csv s" "jsonl s"
last_n= last_growth= prev_n=
for n in $SIZES; do
  read -r n before after csv jsonl < <(measure "$n")
  growth=$((after - before))
  printf '%-10s %10s KiB %10s KiB %8s KiB %8s %10s\n' "$n" "$before" "$after" "$growth" "$csv" "$jsonl"
  prev_n=${last_n:-} prev_growth=${last_growth:-}
  last_n=$n last_growth=$growth
done
# Flat memory: the last two sizes grow RSS alike, however many more entries the last one has.
[ -n "$prev_n" ] && awk -v a="$prev_growth" -v b="$last_growth" -v sn="$prev_n" -v ln="$last_n" \
  'BEGIN { printf "growth of RSS during the exports, %d vs %d entries: x%.2f (entries x%.0f)\n", ln, sn, b / a, ln / sn }'
