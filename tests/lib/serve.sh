# Shared by the test scripts that drive a real server (tests/{e2e,oidc,api}/run.sh; sourced, not run):
# build the debug binary, serve a throwaway SQLite database on a free loopback port, stop it whatever
# happens, and find Python tools.
#
#   source tests/lib/serve.sh
#   serve_setup                  # sets root, bin, work (a temporary directory); EXIT trap cleans up
#   port=$(free_port)
#   serve_start "http://127.0.0.1:$port/login" FRONTDESK_LISTEN="127.0.0.1:$port" DATABASE_URL=...
#   python_with authlib authlib  # sets $python: python3, or a venv with the package installed
#   serve_log                    # prints the server's log (on failure)

serve_setup() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  (cd "$root" && cargo build --locked --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/frontdesk"
  work=$(mktemp -d)
  server=""
  trap serve_cleanup EXIT
}

serve_cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve_start READY_URL [NAME=VALUE ...]: `frontdesk serve` with those variables (RUST_LOG=warn unless
# given), logging to $work/server.log; returns once READY_URL answers, fails after 10 s.
serve_start() {
  local ready=$1
  shift
  env RUST_LOG=warn "$@" "$bin" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$ready" && return 0
    sleep 0.1
  done
  echo "the server did not answer $ready within 10 s" >&2
  serve_log
  return 1
}

serve_log() {
  echo "== server log (last 80 lines)"
  tail -n 80 "$work/server.log"
}

# python_with MODULE PIP_SPEC: sets $python to a Python that can import MODULE: python3 itself, or a
# virtual environment in $work with PIP_SPEC installed from PyPI.
python_with() {
  python=python3
  if python3 -c "import $1" 2>/dev/null; then return 0; fi
  if ! python3 -m venv "$work/venv" 2>/dev/null; then
    # Debian keeps venv (ensurepip) in its own package.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$work/venv"
    python3 -m venv "$work/venv"
  fi
  "$work/venv/bin/pip" install --quiet "$2"
  python="$work/venv/bin/python"
}
