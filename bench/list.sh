#!/usr/bin/env bash
# Load benchmark of the Connected apps list page (GET /apps/connected-apps) with 10,000 apps: the first
# page, a search and a late page, each driven over HTTP by wrk as a signed-in admin.
#
# Usage (from the repo root, as root on Debian 12):  bash bench/list.sh
#   DURATION=10s     length of each measured wrk run (wrk syntax: 10s, 1m, ...)
#   WARMUP=1s        unmeasured wrk run before each measured one (0 to skip)
#   APPS=10000       how many apps to seed
#   LATE_PAGE=N      the late page to measure (default: 90% of the way through, page 180 of 200)
#   KEEP_DB=path     copy the seeded database there (before the load), e.g. for EXPLAIN QUERY PLAN
#   FRONTDESK_BIN=path  use this binary instead of building (e.g. one built from a clean checkout
#                       while the working tree is mid-edit)
#
# The apps are seeded with SQL, not through the form (argon2 per secret would take minutes): the server
# starts once to create and migrate the database, stops, sqlite3 inserts the apps, their scopes and one
# secret each, runs ANALYZE, and the server starts again on the same file.
#
# Exit status: 0 on success; 1 if seeding, sign-in or a page check failed, or any measured request
# answered non-2xx or hit a socket error. The p99 target is printed, never enforced: the machine is
# shared and noisy.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-1s}
APPS=${APPS:-10000}
THREADS=1
CONNECTIONS=4
PAGE_SIZE=50 # src/web/apps/list.rs
TARGET_P99_MS=20
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='bench admin password 123'
# One app in RARE_EVERY is named after SEARCH_WORD, so the search finds a handful (8 of 10,000).
SEARCH_WORD=Marzipan
RARE_EVERY=1250
# Any string will do: these apps never request tokens.
SEED_HASH='$argon2id$v=19$m=19456,t=2,p=1$c2VlZHNlZWRzZWVk$c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVk'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
LUA="$ROOT/bench/list.lua"


[[ $APPS =~ ^[1-9][0-9]*$ ]] && ((APPS <= 99999)) || die "APPS must be 1..99999, got '$APPS'"
PAGES=$(((APPS + PAGE_SIZE - 1) / PAGE_SIZE))
LATE_PAGE=${LATE_PAGE:-$(((PAGES * 9 + 9) / 10))}
[[ $LATE_PAGE =~ ^[1-9][0-9]*$ ]] && ((LATE_PAGE <= PAGES)) || die "LATE_PAGE must be 1..$PAGES, got '$LATE_PAGE'"

# ---------------------------------------------------------------- tools
need wrk curl sqlite3
frontdesk_binary

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-list-bench.XXXXXX")
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





DB="$TMP/db/bench.db"
db() { timeout 120 sqlite3 -bail -batch "$DB" "$@"; }

stop_server() { # graceful stop (SIGTERM), so the database is closed and its WAL checkpointed
  local pid=$SERVER_PID
  SERVER_PID=
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    die "frontdesk did not stop within 10 s of SIGTERM"
  fi
  local rc=0
  wait "$pid" || rc=$?
  ((rc == 0)) || { cat "$TMP/server.log" >&2; die "frontdesk exited with status $rc on SIGTERM"; }
}

# ---------------------------------------------------------------- database
mkdir -p "$TMP/db"
start_server # creates and migrates the database, and the admin
stop_server

say "seeding $APPS apps with sqlite3 ..."
seed_start=$SECONDS
# Names like "Housekeeping bridge 00042": words cycle with different strides, so sorting by name and by
# creation date both differ from id order. Creation dates are a permutation of the ids spread over ~1.6
# years, with milliseconds. Scopes: 1 to 5 per app, from real scope names. One secret row per app.
db <<SQL
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE
  n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $APPS),
  kinds(k, w) AS (VALUES (0, 'Hotel'), (1, 'Resort'), (2, 'Channel'), (3, 'Booking'), (4, 'Revenue'),
    (5, 'Housekeeping'), (6, 'Front office'), (7, 'Spa'), (8, 'Kiosk'), (9, 'Reporting'), (10, 'Guest'),
    (11, 'Payment'), (12, 'Loyalty'), (13, 'Concierge'), (14, 'Night audit'), (15, 'Upsell')),
  things(k, w) AS (VALUES (0, 'app'), (1, 'sync'), (2, 'bridge'), (3, 'connector'), (4, 'portal'),
    (5, 'manager'), (6, 'agent'), (7, 'export'), (8, 'gateway'), (9, 'bot'), (10, 'hub')),
  named(i, kind, thing) AS (
    SELECT i,
      CASE WHEN i % $RARE_EVERY = 0 THEN '$SEARCH_WORD' ELSE (SELECT w FROM kinds WHERE k = i * 7 % 16) END,
      (SELECT w FROM things WHERE k = i * 5 % 11)
    FROM n)
INSERT INTO apps (id, client_id, account_code, client_code, client_name, search_text, pii_mode, created_at, created_by)
SELECT i, 'DEMO-SP-' || code, 'DEMO', code, kind || ' ' || thing || ' ' || printf('%05d', i),
  -- What frontdesk writes for the search (the seeded names are ASCII, so SQL's lower() matches Rust's).
  lower(kind || ' ' || thing || ' ' || printf('%05d', i) || ' DEMO-SP-' || code),
  CASE WHEN i % 3 = 0 THEN 'Retrieve' ELSE 'DontRetrieve' END,
  strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01 00:00:00',
    '+' || (((i * 7919) % $APPS) * 5000 + (i % 1000) / 1000.0) || ' seconds'),
  (SELECT id FROM users WHERE email = '$ADMIN_EMAIL')
FROM (SELECT i, kind, thing,
        upper(replace(kind, ' ', '_')) || '_' || upper(thing) || '_' || printf('%05d', i) AS code
      FROM named);

WITH RECURSIVE
  k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 4),
  scopes(s, name) AS (VALUES (0, 'setup.read'), (1, 'reservations.read'), (2, 'folios.read'),
    (3, 'rates.read'), (4, 'availability.read'), (5, 'reservations.manage'), (6, 'folios.manage'),
    (7, 'companies.read'), (8, 'reports.read'), (9, 'invoices.read'))
INSERT INTO app_scopes (app_id, scope)
SELECT a.id, s.name FROM apps a
  JOIN k ON k.k < 1 + a.id * 13 % 5
  JOIN scopes s ON s.s = (a.id + k.k * 3) % 10;

INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
SELECT id, 'Seeded secret', 'seed' || printf('%05d', id), '$SEED_HASH', created_at, created_by FROM apps;
COMMIT;
ANALYZE;
SQL
read -r n_apps n_scopes n_secrets <<<"$(db -separator ' ' \
  "SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM app_scopes), (SELECT COUNT(*) FROM app_secrets)")"
((n_apps == APPS && n_secrets == APPS)) || die "seeding gave $n_apps apps and $n_secrets secrets, expected $APPS each"
say "seeded $n_apps apps, $n_scopes scopes, $n_secrets secrets in $((SECONDS - seed_start)) s"
if [ -n "${KEEP_DB:-}" ]; then
  db ".backup '$KEEP_DB'" # the server is stopped: a consistent copy
  say "copied the seeded database to $KEEP_DB"
fi

# What each measured page must show, computed by SQLite itself from the same rows the server reads.
search_q=$(tr '[:upper:]' '[:lower:]' <<<"$SEARCH_WORD") # lower case: the search is case-insensitive
like="%$search_q%"
SEARCH_TOTAL=$(db "SELECT COUNT(*) FROM apps WHERE account_code = 'DEMO' AND (LOWER(client_name) LIKE '$like'
  OR LOWER(client_id) LIKE '$like' OR LOWER(client_code) LIKE '$like')")
((SEARCH_TOTAL >= 1 && SEARCH_TOTAL <= PAGE_SIZE)) ||
  die "the search for '$search_q' matches $SEARCH_TOTAL apps; expected a handful (1..$PAGE_SIZE)"
FIRST_NAME=$(db "SELECT client_name FROM apps WHERE account_code = 'DEMO' ORDER BY created_at DESC, id DESC LIMIT 1")
SEARCH_NAME=$(db "SELECT client_name FROM apps WHERE account_code = 'DEMO' AND (LOWER(client_name) LIKE '$like'
  OR LOWER(client_id) LIKE '$like' OR LOWER(client_code) LIKE '$like') ORDER BY created_at DESC, id DESC LIMIT 1")
LATE_OFFSET=$(((LATE_PAGE - 1) * PAGE_SIZE))
LATE_NAME=$(db "SELECT client_name FROM apps WHERE account_code = 'DEMO' ORDER BY client_name, id
  LIMIT 1 OFFSET $LATE_OFFSET")
LATE_ROWS=$((APPS - LATE_OFFSET < PAGE_SIZE ? APPS - LATE_OFFSET : PAGE_SIZE))
FIRST_ROWS=$((APPS < PAGE_SIZE ? APPS : PAGE_SIZE))
plural() { if (($1 == 1)); then echo app; else echo apps; fi; }

# ---------------------------------------------------------------- server, sign-in, page checks
start_server

JAR="$TMP/cookies.txt"
sign_in_admin "$JAR"
# Netscape cookie jar: name in column 6, value in column 7 (HttpOnly lines start with #HttpOnly_).
COOKIE=$(awk -F '\t' '$6 == "frontdesk_session" { v = $7 } END { print v }' "$JAR")
[ -n "$COOKIE" ] || die "no frontdesk_session cookie after sign-in"

PATH_LIST=/apps/connected-apps
NAMES=(first search late)
LABELS=("first page" "search \"?q=$search_q\"" "late page \"?sort=name&page=$LATE_PAGE\"")
URLS=("$BASE$PATH_LIST" "$BASE$PATH_LIST?q=$search_q" "$BASE$PATH_LIST?sort=name&page=$LATE_PAGE")
# Per page: the "Showing" line, the number of rows, the first row's name and (for paged lists) the pager.
EXPECT_SHOWING=("Showing 1–$FIRST_ROWS of $APPS $(plural "$APPS")"
  "Showing 1–$SEARCH_TOTAL of $SEARCH_TOTAL $(plural "$SEARCH_TOTAL")"
  "Showing $((LATE_OFFSET + 1))–$((LATE_OFFSET + LATE_ROWS)) of $APPS $(plural "$APPS")")
EXPECT_ROWS=("$FIRST_ROWS" "$SEARCH_TOTAL" "$LATE_ROWS")
EXPECT_FIRST=("$FIRST_NAME" "$SEARCH_NAME" "$LATE_NAME")
EXPECT_PAGER=("Page 1 of $PAGES" "" "Page $LATE_PAGE of $PAGES")
((PAGES > 1)) || EXPECT_PAGER=("" "" "")

# Same cookie header wrk will send, no cookie jar, no redirects followed: a 303 to /login fails here.
BYTES=()
for i in "${!NAMES[@]}"; do
  out="$TMP/page-${NAMES[$i]}.html"
  code=$(curl -sS --max-time 10 -o "$out" -w '%{http_code}' -H "Cookie: frontdesk_session=$COOKIE" "${URLS[$i]}")
  [ "$code" = 200 ] || die "${LABELS[$i]} (${URLS[$i]}) answered $code, expected 200"
  grep -qF "${EXPECT_SHOWING[$i]}" "$out" ||
    die "${LABELS[$i]}: no \"${EXPECT_SHOWING[$i]}\" on the page ($(grep -m1 -o 'Showing [^<]*' "$out" || true))"
  rows=$(grep -c '<td class="client-id"><code>DEMO-SP-' "$out" || true)
  [ "$rows" = "${EXPECT_ROWS[$i]}" ] || die "${LABELS[$i]}: $rows rows, expected ${EXPECT_ROWS[$i]}"
  first=$(grep -m1 -o '<td><a href="/apps/connected-apps/[^"]*">[^<]*</a></td>' "$out" |
    sed -n '1s/.*">\([^<]*\)<\/a><\/td>/\1/p' || true)
  [ "$first" = "${EXPECT_FIRST[$i]}" ] || die "${LABELS[$i]}: first row is '$first', expected '${EXPECT_FIRST[$i]}'"
  if [ -n "${EXPECT_PAGER[$i]}" ]; then
    grep -qF "${EXPECT_PAGER[$i]}" "$out" || die "${LABELS[$i]}: no \"${EXPECT_PAGER[$i]}\" on the page"
  fi
  BYTES+=("$(wc -c <"$out")")
  say "checked ${LABELS[$i]}: 200, ${EXPECT_SHOWING[$i]}, first row '$first', ${BYTES[$i]} bytes"
done

# ---------------------------------------------------------------- load
# run_wrk NAME URL DURATION: drives URL with wrk; sets RPS P50 P99 ERRORS, keeps the raw output.
run_wrk() {
  local name=$1 url=$2 dur=$3 out="$TMP/wrk-$1.txt"
  # timeout: wrk stops by itself after -d, this only guards against a wedged run.
  BENCH_COOKIE=$COOKIE timeout $(($(seconds "$dur") + 30)) \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout 5s --latency -s "$LUA" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed ($name)"; }
  RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  P50=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "50%" { print $2; exit }' "$out")")
  P99=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "99%" { print $2; exit }' "$out")")
  local non2xx socket
  non2xx=$(sed -n 's/^BENCH_RESULT .*non2xx=\([0-9]*\).*/\1/p' "$out")
  socket=$(sed -n 's/^BENCH_RESULT .*socket_errors=\([0-9]*\).*/\1/p' "$out")
  [ -n "$RPS" ] && [ -n "$non2xx" ] && [ -n "$socket" ] && [ "$P50" != "?" ] && [ "$P99" != "?" ] ||
    { cat "$out" >&2; die "could not parse wrk output ($name)"; }
  ERRORS=$((non2xx + socket))
  if ((ERRORS)); then
    say "  $name: $non2xx non-2xx responses, $socket socket errors"
    grep -E '^BENCH_(STATUSES|SOCKET)' "$out" | sed 's/^/    /' >&2 || true
  fi
}

# Another job on this 2-core machine (a compile, a test run) can halve the figures: measure how busy
# the CPUs are just before the load, name the main culprits, and say so in the report.
cpu_busy_pct() { # % of all CPU time not idle over 1 s, from /proc/stat
  local a b
  a=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat); sleep 1
  b=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.0f", 100 * (1 - (y[2] - x[2]) / (y[1] - x[1])) }'
}
BUSY_PCT=$(cpu_busy_pct)
if ((BUSY_PCT > 15)); then
  say "note: the CPUs were ${BUSY_PCT}% busy before the load; figures will be skewed. Top processes:"
  # top's second sample is the current one (the first averages since each process started).
  top -b -n 2 -d 0.5 -o %CPU 2>/dev/null | awk '/^top -/ { n++ } n == 2 && /^ *[0-9]+ / {
    print "    " $9 "% " $12; if (++k == 3) exit }' >&2 || true
fi

RES_RPS=() RES_P50=() RES_P99=() RES_ERR=()
TOTAL_ERRORS=0
for i in "${!NAMES[@]}"; do
  if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
    say "warm-up: ${LABELS[$i]} $WARMUP (not measured)"
    run_wrk "warmup-${NAMES[$i]}" "${URLS[$i]}" "$WARMUP"
    TOTAL_ERRORS=$((TOTAL_ERRORS + ERRORS))
  fi
  say "measuring ${LABELS[$i]}: wrk $THREADS thread $CONNECTIONS connections $DURATION ..."
  run_wrk "${NAMES[$i]}" "${URLS[$i]}" "$DURATION"
  TOTAL_ERRORS=$((TOTAL_ERRORS + ERRORS))
  RES_RPS+=("$RPS") RES_P50+=("$P50") RES_P99+=("$P99") RES_ERR+=("$ERRORS")
done

# Peak RSS of the server process itself (high-water mark since start, so it covers every run).
kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "frontdesk died under load"; }
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
RSS_MIB=$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')

# ---------------------------------------------------------------- report
echo
echo "== frontdesk list page with $APPS apps (wrk $THREADS thread, $CONNECTIONS connections, $DURATION each)"
MISSED=()
for i in "${!NAMES[@]}"; do
  printf '%-38s req/s %6s   p50 %6s ms   p99 %6s ms   errors %s\n' "${LABELS[$i]}" "${RES_RPS[$i]}" \
    "${RES_P50[$i]}" "${RES_P99[$i]}" "${RES_ERR[$i]}"
  awk -v p="${RES_P99[$i]}" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p < t) }' || MISSED+=("${NAMES[$i]}")
done
if ((${#MISSED[@]})); then
  echo "target: p99 < $TARGET_P99_MS ms -> MISSED (${MISSED[*]})"
else
  echo "target: p99 < $TARGET_P99_MS ms -> met"
fi
printf 'page sizes: first %s B, search %s B (%s rows), late %s B\n' "${BYTES[0]}" "${BYTES[1]}" \
  "$SEARCH_TOTAL" "${BYTES[2]}"
printf 'server peak RSS (VmHWM): %s MiB\n' "$RSS_MIB"
printf 'machine: %s CPUs, %s%% busy just before the load%s\n' "$(nproc)" "$BUSY_PCT" \
  "$( ((BUSY_PCT > 15)) && echo " (another job was running: figures skewed, re-run when idle)" || true)"

if ((TOTAL_ERRORS)); then
  say "frontdesk answered $TOTAL_ERRORS requests with errors (see above); server log tail:"
  tail -20 "$TMP/server.log" >&2 || true
  exit 1
fi
exit 0
