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

# shellcheck source=tests/lib/serve.sh
source "$root/tests/lib/serve.sh"
serve_setup
# Pinned: its command-line options change between releases.
python_with schemathesis 'schemathesis==4.32.5'

port=$(free_port)
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/api.db" FRONTDESK_PUBLIC_URL="$base"
serve_start "$base/api/v1/openapi.json" \
  FRONTDESK_LISTEN="127.0.0.1:$port" FRONTDESK_ADMIN_PASSWORD="not-used-here-1234"

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
"$python" -m schemathesis.cli run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples 30 --max-time 120 --rate-limit 270/m --seed 15 \
  --no-color --suppress-health-check all --generation-database none \
  --report junit --report-dir "$work/report" || status=$?
if [ "$status" -ne 0 ]; then
  serve_log
  exit "$status"
fi
