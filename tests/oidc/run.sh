#!/usr/bin/env bash
# Validates the discovery documents with authlib (tests/oidc/authlib_metadata.py): builds the debug
# binary, serves a throw-away SQLite database on a free loopback port with an https public URL, installs
# authlib into a virtual environment if python3 cannot import it, runs the check, stops the server.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# shellcheck source=tests/lib/serve.sh
source "$root/tests/lib/serve.sh"
serve_setup
python_with authlib authlib

port=$(free_port)
serve_start "http://127.0.0.1:$port/.well-known/openid-configuration" \
  DATABASE_URL="sqlite://$work/oidc.db" FRONTDESK_LISTEN="127.0.0.1:$port" \
  FRONTDESK_PUBLIC_URL="https://id.example.test"
if ! "$python" "$here/authlib_metadata.py" "http://127.0.0.1:$port"; then
  serve_log
  exit 1
fi
