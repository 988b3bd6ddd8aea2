#!/usr/bin/env bash
# Several frontdesk instances on one PostgreSQL database behind nginx, checked end to end: a throwaway
# PostgreSQL cluster (tests/postgres/lib.sh), two instances of the release binary with the same
# DATABASE_URL, and nginx in round robin with deploy/nginx-ha.conf (its upstreams and port replaced).
# Through the balancer, and on each instance directly, it checks that:
#   1. a dashboard session works on both instances, and signing out on one ends it on the other;
#   2. an app registered through the dashboard gets tokens through the balancer from both instances;
#   3. once its secret is deleted, both instances refuse it (401 invalid_client) and its earlier token
#      introspects as {"active":false} on both;
#   4. after `frontdesk keys rotate`, both JWKS publish the new key before either instance signs with it,
#      and both sign with it once FRONTDESK_KEY_ACTIVATION_SECONDS have passed;
#   5. killing one instance under token load costs no failed request once nginx has noticed (failures
#      within WINDOW seconds of the kill are counted and reported, later ones fail the test);
#   6. restarting PostgreSQL under load (pg_ctl restart -m fast, then a stop of 3 s): failures are fast
#      503 temporarily_unavailable, and success is back within 5 s of PostgreSQL accepting connections;
#   7. four instances started at once on an empty database all become ready, with one signing key, one
#      admin and each migration applied once;
# and that deploy/compose-ha.yml parses and names what the README says.
#
# Usage (from anywhere, as root on Debian 12, no standard input needed):  bash tests/cluster/run.sh
#   FRONTDESK_BIN=path  use this binary instead of building (cargo build --release --locked)
#   ACTIVATION=6        FRONTDESK_KEY_ACTIVATION_SECONDS of the instances
#   WINDOW=2            seconds after a kill within which failed requests are tolerated (and reported)
#   KEEP=1              keep the temporary directory (logs) after the run
#
# Exit status 0 when every check passed, 1 otherwise; the summary at the end lists each check.
# shellcheck disable=SC2015,SC2317 # "a && b || c" on purpose; cleanup runs from the EXIT trap
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=tests/postgres/lib.sh
source "$ROOT/tests/postgres/lib.sh"

ACTIVATION=${ACTIVATION:-6}
WINDOW=${WINDOW:-2}
DB_TIMEOUT=2
ADMIN_EMAIL=admin@localhost
ADMIN_PASSWORD='cluster admin password 123'
LOAD="$ROOT/tests/cluster/load.py"

need curl python3 nginx:nginx-light runuser:util-linux
BUILD_STARTED=$SECONDS
frontdesk_binary
BUILD_SECONDS=$((SECONDS - BUILD_STARTED))
STARTED=$SECONDS

TMP=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-cluster.XXXXXX")
chmod 755 "$TMP"
declare -A PID=() PORT=()
NGINX_PID=
LOAD_PID=

cleanup() {
  local rc=$?
  [ -n "$LOAD_PID" ] && stop_pid "$LOAD_PID"
  local name
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  [ -n "$NGINX_PID" ] && stop_pid "$NGINX_PID"
  pg_cleanup
  if [ "${KEEP:-0}" = 1 ]; then say "logs kept in $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- results
RESULTS=()
FAILED=0
pass() { RESULTS+=("ok    $*"); say "  ok: $*"; }
fail() { RESULTS+=("FAIL  $*"); say "  FAIL: $*"; FAILED=1; }
note() { RESULTS+=("      $*"); say "  $*"; }
# Each step returns 1 at its first failed check; steps that need an earlier one are then skipped.
declare -A DONE=()
step() { # step NAME FUNCTION [NEEDED_STEP ...]
  local name=$1 fn=$2 need_step
  shift 2
  for need_step in "$@"; do
    if [ "${DONE[$need_step]:-}" != ok ]; then
      RESULTS+=("skip  $name (needs $need_step)"); FAILED=1; return 0
    fi
  done
  say "== $name"
  if "$fn"; then DONE[$name]=ok; else DONE[$name]=failed; FAILED=1; fi
}

now() { date +%s.%N | cut -c1-14; }
json() { python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else (json.dumps(v) if isinstance(v, (bool, dict, list)) else v))' "$@"; }
jwt_kid() { python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$1"; }
jwks_kids() { curl -fsS --max-time 5 "$1/.well-known/openid-configuration/jwks" |
  python3 -c 'import json, sys; print(" ".join(k["kid"] for k in json.load(sys.stdin)["keys"]))'; }
psql_at() { "$PG_BIN/psql" "$PG_URL_BASE/$1" -Atc "$2"; }

# ---------------------------------------------------------------- PostgreSQL, instances, nginx
# A random port can be taken meanwhile: a few tries.
for attempt in 1 2 3; do
  pg_start "$(free_port)" fsync=off && break
  pg_cleanup
  ((attempt < 3)) || die "PostgreSQL did not start"
done
PG_URL_BASE="postgres://frontdesk@127.0.0.1:$PG_PORT"
createdb_as() { "$PG_BIN/psql" "$PG_URL_BASE/postgres" -qc "CREATE DATABASE $1" >/dev/null; }
createdb_as frontdesk
DATABASE_URL="$PG_URL_BASE/frontdesk"

PORT[lb]=$(free_port)
LB="http://127.0.0.1:${PORT[lb]}"

# start_instance NAME DATABASE_URL: a frontdesk process on a free port (the same one again when NAME
# ran before, so nginx finds it), its log in $TMP/NAME.log.
start_instance() {
  local name=$1 url=$2
  if [ -z "${PORT[$name]:-}" ]; then
    # Instances started together have not bound their ports yet: none may pick another's.
    PORT[$name]=$(free_port)
    while [ "$(printf '%s\n' "${PORT[@]}" | grep -cx "${PORT[$name]}")" -gt 1 ]; do PORT[$name]=$(free_port); done
  fi
  FRONTDESK_LISTEN="127.0.0.1:${PORT[$name]}" DATABASE_URL=$url FRONTDESK_PUBLIC_URL=$LB \
    FRONTDESK_ADMIN_EMAIL=$ADMIN_EMAIL FRONTDESK_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    FRONTDESK_KEY_ACTIVATION_SECONDS=$ACTIVATION FRONTDESK_DB_TIMEOUT_SECONDS=$DB_TIMEOUT \
    FRONTDESK_TRUSTED_PROXIES=127.0.0.1 \
    RUST_LOG=info NO_COLOR=1 "$BIN" serve >>"$TMP/$name.log" 2>&1 &
  PID[$name]=$!
}
# wait_ready NAME...: each answers /readyz with 200 within 60 s; else says which did not, and returns 1.
wait_ready() {
  local name deadline=$((SECONDS + 60)) rc=0
  for name in "$@"; do
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT[$name]}/readyz" 2>/dev/null; do
      if ! kill -0 "${PID[$name]}" 2>/dev/null; then
        say "$name exited during start-up:"; tail -5 "$TMP/$name.log" >&2; rc=1; break
      fi
      if ((SECONDS >= deadline)); then
        say "$name not ready within 60 s:"; tail -5 "$TMP/$name.log" >&2; rc=1; break
      fi
      sleep 0.2
    done
  done
  return "$rc"
}
url_of() { echo "http://127.0.0.1:${PORT[$1]}"; }

start_instance a "$DATABASE_URL"
start_instance b "$DATABASE_URL"
wait_ready a b || die "the two instances did not start"
A=$(url_of a) B=$(url_of b)
say "== instances a ($A, pid ${PID[a]}) and b ($B, pid ${PID[b]}) on one database"

# nginx: deploy/nginx-ha.conf itself, its upstreams replaced by the two instances (bench/lib.sh).
start_nginx_ha "$TMP/nginx" "${PORT[lb]}" "${PORT[a]}" "${PORT[b]}"
say "== nginx on $LB (round robin over a and b; deploy/nginx-ha.conf)"

# upstreams_of PREFIX: the instance names nginx sent the requests with ids PREFIX* to (its access log).
upstreams_of() {
  local line addr names=()
  while read -r addr; do
    for line in a b; do [ "$addr" = "127.0.0.1:${PORT[$line]}" ] && names+=("$line"); done
  done < <(grep "request_id=$1" "$TMP/nginx/access.log" | sed -n 's/.* upstream=\([^ ]*\) .*/\1/p')
  echo "${names[*]}"
}

# ---------------------------------------------------------------- 1. the dashboard on both instances
JAR="$TMP/cookies.txt"
C=(curl -sS --max-time 10 -c "$JAR" -b "$JAR")

dashboard() {
  local code i csrf
  "${C[@]}" -o "$TMP/login.html" -H 'X-Request-Id: cluster-login-get' "$LB/login"
  csrf=$(input_value 'name="csrf_token"' "$TMP/login.html")
  [ -n "$csrf" ] || { fail "no csrf_token on /login"; return 1; }
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' -H 'X-Request-Id: cluster-login-post' \
    --data-urlencode "csrf_token=$csrf" --data-urlencode "email=$ADMIN_EMAIL" \
    --data-urlencode "password=$ADMIN_PASSWORD" "$LB/login")
  [ "$code" = 303 ] || { fail "sign-in through the balancer answered $code, expected 303"; return 1; }
  pass "signed in through the balancer (form from $(upstreams_of cluster-login-get), posted to $(upstreams_of cluster-login-post))"

  for i in 1 2 3 4 5 6; do
    code=$("${C[@]}" -o "$TMP/dash.html" -w '%{http_code}' -H "X-Request-Id: cluster-dash-$i" "$LB/apps/connected-apps")
    [ "$code" = 200 ] && grep -q 'action="/logout"' "$TMP/dash.html" ||
      { fail "dashboard request $i through the balancer answered $code, not the signed-in page"; return 1; }
  done
  local served
  served=$(upstreams_of cluster-dash-)
  [[ " $served " == *" a "* && " $served " == *" b "* ]] ||
    { fail "the 6 dashboard requests did not alternate (nginx sent them to: $served)"; return 1; }
  pass "6 signed-in dashboard requests through the balancer, served by: $served"

  for i in a b; do
    code=$("${C[@]}" -o "$TMP/dash.html" -w '%{http_code}' "$(url_of "$i")/apps/connected-apps")
    [ "$code" = 200 ] && grep -q 'action="/logout"' "$TMP/dash.html" ||
      { fail "instance $i directly, same cookie: $code, not the signed-in page"; return 1; }
  done
  pass "the same session cookie is signed in on a and on b directly"
}

# ---------------------------------------------------------------- 2. apps and tokens
# register CODE: registers an app through the New custom app form; sets CLIENT_ID and CLIENT_SECRET.
register() {
  local code csrf
  "${C[@]}" -o "$TMP/create.html" "$LB/apps/connected-apps/create"
  csrf=$(input_value 'name="csrf_token"' "$TMP/create.html")
  [ -n "$csrf" ] || { fail "no csrf_token on the New custom app form"; return 1; }
  code=$("${C[@]}" -o "$TMP/created.html" -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
    -d "client_code=$1" -d "client_name=Cluster $1" -d pii_mode=DontRetrieve -d secret_description=cluster \
    -d scopes=setup.read -d scopes=reservations.read "$LB/apps/connected-apps/create")
  [ "$code" = 200 ] || { fail "registering $1 answered $code, expected 200"; return 1; }
  CLIENT_ID=$(input_value 'id="client-id"' "$TMP/created.html")
  CLIENT_SECRET=$(input_value 'id="client-secret"' "$TMP/created.html")
  [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || { fail "no client ID / secret shown for $1"; return 1; }
}

# token BASE ID SECRET [REQUEST_ID]: prints the HTTP status; the body is in $TMP/token.json.
token() {
  curl -sS --max-time 10 -o "$TMP/token.json" -w '%{http_code}' -u "$2:$3" \
    -H "X-Request-Id: ${4:-cluster-token}" -d grant_type=client_credentials "$1/connect/token"
}
# introspect BASE TOKEN: prints the "active" member (true / false), as the introspecting app B.
introspect() {
  curl -sS --max-time 10 -o "$TMP/introspect.json" -u "$B_ID:$B_SECRET" \
    --data-urlencode "token=$2" "$1/connect/introspect" >/dev/null && json "$TMP/introspect.json" active
}

apps_and_tokens() {
  register CLUSTERA || return 1
  A_ID=$CLIENT_ID A_SECRET=$CLIENT_SECRET
  register CLUSTERB || return 1
  B_ID=$CLIENT_ID B_SECRET=$CLIENT_SECRET
  pass "registered $A_ID and $B_ID through the dashboard forms"
  local i code
  for i in 1 2 3 4 5 6; do
    code=$(token "$LB" "$A_ID" "$A_SECRET" "cluster-token-$i")
    [ "$code" = 200 ] || { fail "token request $i through the balancer answered $code: $(cat "$TMP/token.json")"; return 1; }
    A_TOKEN=$(json "$TMP/token.json" access_token)
  done
  local served
  served=$(upstreams_of cluster-token-)
  [[ " $served " == *" a "* && " $served " == *" b "* ]] ||
    { fail "the 6 token requests did not reach both instances (nginx sent them to: $served)"; return 1; }
  pass "6 tokens for $A_ID through the balancer, issued by: $served"
  # A failure here is counted, but the steps that need these apps still run.
  local ok=1
  for i in a b; do
    [ "$(introspect "$(url_of $i)" "$A_TOKEN")" = true ] ||
      { fail "instance $i does not introspect $A_ID's token (kid $(jwt_kid "$A_TOKEN")) as active: $(cat "$TMP/introspect.json")"; ok=0; }
  done
  ((ok)) && pass "$A_ID's token introspects as active on a and on b"
  return 0
}

# ---------------------------------------------------------------- 3. a deleted secret, on both
deleted_secret() {
  local page="$LB/apps/connected-apps/$A_ID" secret_id csrf code
  "${C[@]}" -o "$TMP/app.html" "$page"
  secret_id=$(grep -m1 -o "/apps/connected-apps/$A_ID/secrets/[0-9]*/delete" "$TMP/app.html" | grep -o '[0-9]*/delete' | cut -d/ -f1)
  [ -n "$secret_id" ] || { fail "no secret deletion link on $A_ID's page"; return 1; }
  "${C[@]}" -o "$TMP/confirm.html" "$page/secrets/$secret_id/delete"
  csrf=$(input_value 'name="csrf_token"' "$TMP/confirm.html")
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" -d confirm_last=yes \
    "$page/secrets/$secret_id/delete")
  [ "$code" = 303 ] || { fail "deleting $A_ID's secret answered $code, expected 303"; return 1; }
  pass "deleted $A_ID's only secret through the dashboard"

  # Six refusals in all: each costs an argon2 attempt against the client ID's limit of 10 a minute.
  local where base n
  for where in balancer a b; do
    if [ $where = balancer ]; then base=$LB; else base=$(url_of $where); fi
    for n in 1 2; do
      code=$(token "$base" "$A_ID" "$A_SECRET")
      [ "$code" = 401 ] && [ "$(json "$TMP/token.json" error)" = invalid_client ] ||
        { fail "token request with the deleted secret ($where): $code $(cat "$TMP/token.json")"; return 1; }
    done
  done
  pass "the deleted secret gets 401 invalid_client through the balancer and on a and b directly (2 each)"
  for where in a b; do
    [ "$(introspect "$(url_of $where)" "$A_TOKEN")" = false ] ||
      { fail "instance $where still introspects the deleted secret's token: $(cat "$TMP/introspect.json")"; return 1; }
  done
  pass "its earlier token introspects as {\"active\":false} on a and on b"
}

sign_out() {
  local csrf code
  cp "$JAR" "$TMP/cookies-before-sign-out.txt"
  "${C[@]}" -o "$TMP/dash.html" "$A/apps/connected-apps"
  csrf=$(input_value 'name="csrf_token"' "$TMP/dash.html")
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" "$A/logout")
  [ "$code" = 303 ] || { fail "signing out on a answered $code, expected 303"; return 1; }
  # The cookie as it was before signing out, as a copy kept elsewhere (another tab) would send it.
  code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' \
    -b "$TMP/cookies-before-sign-out.txt" "$B/apps/connected-apps")
  [[ "$code" == "303 "*"/login"* ]] ||
    { fail "after signing out on a, b still served the session ($code)"; return 1; }
  pass "signed out on a; the same cookie on b is sent to /login ($code)"
}

# ---------------------------------------------------------------- 4. key rotation
rotation() {
  local code kids_before new_kid="" t_rotate deadline t i
  declare -A old_kid=()
  for i in a b; do
    code=$(token "$(url_of $i)" "$B_ID" "$B_SECRET")
    [ "$code" = 200 ] || { fail "token from $i before rotation: $code"; return 1; }
    old_kid[$i]=$(jwt_kid "$(json "$TMP/token.json" access_token)")
  done
  kids_before=$(jwks_kids "$A")
  t_rotate=$(now)
  DATABASE_URL=$DATABASE_URL FRONTDESK_KEY_ACTIVATION_SECONDS=$ACTIVATION "$BIN" keys rotate >"$TMP/rotate.txt" 2>&1 ||
    { fail "frontdesk keys rotate failed: $(cat "$TMP/rotate.txt")"; return 1; }
  note "frontdesk keys rotate: $(head -1 "$TMP/rotate.txt")"

  # Poll both instances: their JWKS, and the kid of a token from each.
  declare -A published=() signing=()
  local bad_order="" kid kids
  deadline=$(awk -v t="$t_rotate" -v a="$ACTIVATION" 'BEGIN { printf "%.3f", t + a + 15 }')
  while :; do
    t=$(now)
    for i in a b; do
      kids=$(jwks_kids "$(url_of $i)") || kids=
      if [ -z "$new_kid" ]; then
        for kid in $kids; do [[ " $kids_before " == *" $kid "* ]] || new_kid=$kid; done
      fi
      [ -n "$new_kid" ] && [[ " $kids " == *" $new_kid "* ]] && [ -z "${published[$i]:-}" ] && published[$i]=$t
    done
    for i in a b; do
      code=$(token "$(url_of $i)" "$B_ID" "$B_SECRET")
      [ "$code" = 200 ] || { fail "token from $i during rotation: $code"; return 1; }
      kid=$(jwt_kid "$(json "$TMP/token.json" access_token)")
      if [ "$kid" != "${old_kid[$i]}" ]; then
        [ "$kid" = "$new_kid" ] && [ -z "${signing[$i]:-}" ] && signing[$i]=$t
        # Signing with a key that some instance's JWKS does not show yet: a resource server that
        # fetched that JWKS could not verify this token.
        [ -n "${published[a]:-}" ] && [ -n "${published[b]:-}" ] && [ "$kid" = "$new_kid" ] ||
          bad_order+="$i signed with $kid at +$(awk -v t="$t" -v r="$t_rotate" 'BEGIN { printf "%.1f", t - r }') s before both JWKS had it; "
        SIGNED_NEW=$(json "$TMP/token.json" access_token)
      fi
    done
    [ -n "${signing[a]:-}" ] && [ -n "${signing[b]:-}" ] && break
    awk -v t="$t" -v d="$deadline" 'BEGIN { exit !(t > d) }' && break
    sleep 0.3
  done
  rel() { [ -n "$1" ] && awk -v t="$1" -v r="$t_rotate" 'BEGIN { printf "+%.1f s", t - r }' || echo never; }
  note "after rotation (activation ${ACTIVATION} s): new kid ${new_kid:-none}; published on a $(rel "${published[a]:-}"), b $(rel "${published[b]:-}"); signing on a $(rel "${signing[a]:-}"), b $(rel "${signing[b]:-}")"
  DATABASE_URL=$DATABASE_URL "$BIN" keys list >"$TMP/keys.txt" 2>&1 || true
  sed 's/^/        keys list: /' "$TMP/keys.txt" >&2
  local ok=0
  [ -n "$new_kid" ] && [ -n "${published[a]:-}" ] && [ -n "${published[b]:-}" ] ||
    { fail "the new key was not in both JWKS within $((ACTIVATION + 15)) s"; ok=1; }
  [ -z "$bad_order" ] || { fail "signing before publication: $bad_order"; ok=1; }
  [ -n "${signing[a]:-}" ] && [ -n "${signing[b]:-}" ] ||
    { fail "not both instances sign with the new key within $((ACTIVATION + 15)) s of the rotation"; ok=1; }
  local earliest
  earliest=$(printf '%s\n' "${signing[a]:-9e9}" "${signing[b]:-9e9}" | sort -n | head -1)
  awk -v s="$earliest" -v r="$t_rotate" -v a="$ACTIVATION" 'BEGIN { exit !(s - r >= a - 0.5) }' ||
    { fail "an instance signed with the new key $(rel "$earliest") after the rotation, before its activation (${ACTIVATION} s)"; ok=1; }
  ((ok == 0)) || return 1
  pass "both JWKS published $new_kid before either signed with it; both sign with it after activation"
  for i in a b; do
    [ "$(introspect "$(url_of $i)" "$SIGNED_NEW")" = true ] ||
      { fail "instance $i does not accept a token signed with the new key: $(cat "$TMP/introspect.json")"; return 1; }
  done
  pass "a token signed with the new key introspects as active on a and on b"
}

# ---------------------------------------------------------------- 5. one instance killed under load
failover() {
  local auth killed_at
  auth=$(printf '%s:%s' "$B_ID" "$B_SECRET" | base64 -w0)
  LOAD_AUTH=$auth python3 "$LOAD" run "$LB/connect/token" 9 "$TMP/load-failover.txt" &
  LOAD_PID=$!
  sleep 3
  killed_at=$(now)
  kill -KILL "${PID[b]}"
  wait "${PID[b]}" 2>/dev/null || true
  unset 'PID[b]'
  wait "$LOAD_PID" || { LOAD_PID=; fail "the load generator failed"; return 1; }
  LOAD_PID=
  local verdict rc=0
  verdict=$(python3 "$LOAD" failover "$TMP/load-failover.txt" "$killed_at" "$WINDOW") || rc=1
  note "$verdict"
  ((rc == 0)) || { fail "requests failed after nginx should have noticed b was gone"; return 1; }
  pass "killed b (SIGKILL) under token load; a kept serving through the balancer"
  # b comes back on its port, and nginx tries it again after fail_timeout.
  start_instance b "$DATABASE_URL"
  wait_ready b || { fail "b did not start again"; return 1; }
  pass "b restarted and ready"
}

# ---------------------------------------------------------------- 6. PostgreSQL away under load
# pg_accepts: waits (up to 30 s) until PostgreSQL accepts a connection again; sets UP_AT.
pg_accepts() {
  local tries=0
  until psql_at postgres 'SELECT 1' >/dev/null 2>&1; do
    ((++tries < 600)) || return 1
    sleep 0.05
  done
  UP_AT=$(now)
}

# outage_under_load NAME HOW: token load through the balancer while HOW ("restart": pg_ctl restart -m
# fast; "stop": pg_ctl stop -m fast, 3 s without PostgreSQL, start), then load.py's verdict.
outage_under_load() {
  local name=$1 how=$2 auth down_at
  auth=$(printf '%s:%s' "$B_ID" "$B_SECRET" | base64 -w0)
  LOAD_AUTH=$auth python3 "$LOAD" run "$LB/connect/token" 11 "$TMP/load-$name.txt" &
  LOAD_PID=$!
  sleep 2
  down_at=$(now)
  if [ "$how" = restart ]; then
    pg_ctl_as restart -m fast -w >"$TMP/pg-$name.log" 2>&1
  else
    pg_ctl_as stop -m fast -w >"$TMP/pg-$name.log" 2>&1 && sleep 3 &&
      pg_ctl_as -l "$PG_DATA/log" -w -o "$PG_OPTS" start >>"$TMP/pg-$name.log" 2>&1
  fi || { fail "pg_ctl ($how) failed: $(tail -3 "$TMP/pg-$name.log")"; wait "$LOAD_PID"; LOAD_PID=; return 1; }
  pg_accepts || { fail "PostgreSQL not accepting connections 30 s after pg_ctl $how"; wait "$LOAD_PID"; LOAD_PID=; return 1; }
  wait "$LOAD_PID" || { LOAD_PID=; fail "the load generator failed"; return 1; }
  LOAD_PID=
  local verdict rc=0
  verdict=$(python3 "$LOAD" outage "$TMP/load-$name.txt" "$down_at" "$UP_AT" "$DB_TIMEOUT") || rc=1
  note "$verdict"
  ((rc == 0)) || { fail "PostgreSQL $how: see the outage line above"; return 1; }
}

outage() {
  outage_under_load restart restart || return 1
  pass "PostgreSQL restarted (pg_ctl restart -m fast) under load: failures fast and 503, recovered within 5 s"
  outage_under_load stop stop || return 1
  pass "PostgreSQL stopped for 3 s under load: every request answered, failures 503 temporarily_unavailable within the timeout, recovered within 5 s"
}

# ---------------------------------------------------------------- 7. four instances at once
four_at_once() {
  local n url names=()
  createdb_as four
  url="$PG_URL_BASE/four"
  for n in 1 2 3 4; do start_instance "four$n" "$url"; names+=("four$n"); done
  local ok=0
  if wait_ready "${names[@]}"; then
    pass "four instances started at once on an empty database all answer /readyz"
  else
    fail "not all of four instances started at once on an empty database became ready"; ok=1
  fi
  local keys users versions dupes failed_runs
  keys=$(psql_at four 'SELECT count(*) FROM signing_keys')
  users=$(psql_at four 'SELECT count(*) FROM users')
  versions=$(psql_at four 'SELECT count(*) FROM _sqlx_migrations')
  dupes=$(psql_at four 'SELECT count(*) FROM (SELECT version FROM _sqlx_migrations GROUP BY version HAVING count(*) > 1) d')
  failed_runs=$(psql_at four 'SELECT count(*) FROM _sqlx_migrations WHERE NOT success')
  local files
  files=$(find migrations/postgres -name '*.sql' | wc -l)
  for n in "${names[@]}"; do stop_pid "${PID[$n]}"; unset "PID[$n]"; done
  [ "$keys" = 1 ] || { fail "signing keys after four simultaneous starts: $keys, expected 1"; ok=1; }
  [ "$users" = 1 ] || { fail "admins created by four simultaneous starts: $users, expected 1"; ok=1; }
  [ "$versions" = "$files" ] && [ "$dupes" = 0 ] && [ "$failed_runs" = 0 ] ||
    { fail "_sqlx_migrations: $versions rows for $files migrations, $dupes versions twice, $failed_runs failed"; ok=1; }
  ((ok == 0)) || return 1
  pass "exactly 1 signing key, 1 admin, and each of the $files migrations applied once"
}

# ---------------------------------------------------------------- the deployment example
compose_file() {
  local out
  # Debian's python3 has no YAML parser of its own.
  if ! python3 -c 'import yaml' 2>/dev/null && command -v apt-get >/dev/null; then
    say "installing python3-yaml with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null || true
  fi
  out=$(python3 - deploy/compose-ha.yml <<'EOF' 2>&1
import sys
try:
    import yaml
except ImportError:
    print("SKIP no PyYAML (python3-yaml)"); sys.exit(0)
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
urls = {n: s[n]["environment"]["DATABASE_URL"] for n in ("frontdesk-1", "frontdesk-2")}
assert len(set(urls.values())) == 1 and next(iter(urls.values())).startswith("postgres://"), urls
assert s["postgres"]["image"].startswith("postgres:"), s["postgres"]["image"]
assert any("nginx-ha.conf" in v for v in s["nginx"]["volumes"]), s["nginx"]["volumes"]
for n in ("frontdesk-1", "frontdesk-2"):
    assert "frontdesk" in " ".join(s[n]["healthcheck"]["test"]), n
print("ok services:", ", ".join(s))
EOF
  ) || { fail "deploy/compose-ha.yml: $out"; return 1; }
  case $out in
    SKIP*) note "deploy/compose-ha.yml not parsed: ${out#SKIP }" ;;
    *) pass "deploy/compose-ha.yml parses (${out#ok }); nginx -t accepted deploy/nginx-ha.conf" ;;
  esac
}

step "deploy files" compose_file
step "dashboard on both instances" dashboard
step "apps and tokens" apps_and_tokens "dashboard on both instances"
step "deleted secret" deleted_secret "apps and tokens"
step "sign-out" sign_out "dashboard on both instances"
step "key rotation" rotation "apps and tokens"
step "one instance killed" failover "apps and tokens"
step "PostgreSQL away" outage "apps and tokens"
step "four at once" four_at_once

echo
echo "== tests/cluster/run.sh: two instances on PostgreSQL behind nginx ($((SECONDS - STARTED)) s, after $BUILD_SECONDS s of build)"
printf '%s\n' "${RESULTS[@]}"
if ((FAILED)); then
  echo "== FAILED$([ "${KEEP:-0}" = 1 ] && echo " (logs: $TMP/*.log, $TMP/nginx/access.log)" || echo " (KEEP=1 keeps the instances' and nginx's logs)")"
  exit 1
fi
echo "== all cluster checks passed"
