#!/usr/bin/env bash
# Throws generated requests at the admin API from its own OpenAPI document (schemathesis): builds the
# debug binary, serves a throw-away SQLite database on a free loopback port, registers an app holding
# frontdesk:apps.manage with `frontdesk apps create`, gets it a client-credentials token, and runs
# schemathesis with that token against /api/v1/openapi.json: no 5xx, and every response conforms to
# the document (status, content type, headers, body schema). Installs schemathesis into a virtual
# environment (PyPI) if python3 cannot run it. Bounded: a few dozen examples per operation, ~2 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

(cd "$root" && cargo build --locked --quiet)
bin="$root/target/debug/frontdesk"
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

schemathesis=(python3 -m schemathesis.cli)
if ! python3 -c 'import schemathesis' 2>/dev/null; then
  if ! python3 -m venv "$work/venv" 2>/dev/null; then
    # Debian keeps venv (ensurepip) in its own package.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$work/venv"
    python3 -m venv "$work/venv"
  fi
  # Pinned: its command-line options change between releases.
  "$work/venv/bin/pip" install --quiet 'schemathesis==4.32.5'
  schemathesis=("$work/venv/bin/schemathesis")
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/api.db" FRONTDESK_PUBLIC_URL="$base" RUST_LOG=warn
FRONTDESK_LISTEN="127.0.0.1:$port" FRONTDESK_ADMIN_PASSWORD="not-used-here-1234" \
  "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$base/api/v1/openapi.json" && break
  sleep 0.1
done

# The app that calls: it may manage apps and grant setup.read, so generated creations can succeed.
created=$("$bin" apps create --code schemathesis --name "Schemathesis" \
  --scopes frontdesk:apps.manage,setup.read --json)
read -r client_id secret < <(python3 -c 'import json, sys; a = json.load(sys.stdin); print(a["client_id"], a["client_secret"])' <<<"$created")
token=$(curl -fs -u "$client_id:$secret" -d grant_type=client_credentials "$base/connect/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# The per-client limit is 300 requests a minute: stay under it, so the run tests the API, not 429s.
status=0
# schemathesis keeps a cache in the working directory: keep it out of the repository.
cd "$work"
"${schemathesis[@]}" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples 30 --max-time 120 --rate-limit 270/m --seed 15 \
  --no-color --suppress-health-check all --generation-database none \
  --report junit --report-dir "$work/report" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)"; tail -n 50 "$work/server.log"
  exit "$status"
fi
