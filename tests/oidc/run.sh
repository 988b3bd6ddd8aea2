#!/usr/bin/env bash
# Validates the discovery documents with authlib (tests/oidc/authlib_metadata.py): builds the debug
# binary, serves a throw-away SQLite database on a free loopback port with an https public URL, installs
# authlib into a virtual environment if python3 cannot import it, runs the check, stops the server.
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

python=python3
if ! python3 -c 'import authlib' 2>/dev/null; then
  if ! python3 -m venv "$work/venv" 2>/dev/null; then
    # Debian keeps venv (ensurepip) in its own package.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$work/venv"
    python3 -m venv "$work/venv"
  fi
  "$work/venv/bin/pip" install --quiet authlib
  python="$work/venv/bin/python"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="sqlite://$work/oidc.db" FRONTDESK_LISTEN="127.0.0.1:$port" \
  FRONTDESK_PUBLIC_URL="https://id.example.test" RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/.well-known/openid-configuration" && break
  sleep 0.1
done
if ! "$python" "$here/authlib_metadata.py" "http://127.0.0.1:$port"; then
  echo "== server log"; cat "$work/server.log"
  exit 1
fi
