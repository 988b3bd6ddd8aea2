#!/usr/bin/env bash
# End-to-end tests: a real frontdesk in Debian's Chromium, driven by Playwright, checked by axe-core.
# Installs what it needs (Chromium from Debian, the npm packages from the lock file), starts the server
# on a free loopback port with a throw-away database, runs the tests, and stops the server whatever happens.
# Usage: bash tests/e2e/run.sh [file.test.mjs ...]   (default: every *.test.mjs in this folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
# shellcheck source=tests/lib/serve.sh
source "$root/tests/lib/serve.sh"
serve_setup

port=$(free_port)
export DATABASE_URL="sqlite://$work/e2e.db"
export FRONTDESK_URL="http://127.0.0.1:$port"
export ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD="an admin passphrase"
export MEMBER_EMAIL=member@example.com MEMBER_PASSWORD="a member passphrase"
echo "$ADMIN_PASSWORD" | "$bin" users add --email "$ADMIN_EMAIL" --name "Ada Admin" --admin >/dev/null
echo "$MEMBER_PASSWORD" | "$bin" users add --email "$MEMBER_EMAIL" --name "Mia Member" >/dev/null
serve_start "$FRONTDESK_URL/login" FRONTDESK_LISTEN="127.0.0.1:$port"

export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$root/docs/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
cd "$here"
# With no arguments node finds every *.test.mjs here; name files to run only those.
if ! node --test --test-concurrency=1 --test-reporter=spec "$@"; then
  serve_log
  exit 1
fi
