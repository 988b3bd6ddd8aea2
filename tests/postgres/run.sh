#!/usr/bin/env bash
# Runs a command (default: the whole test suite, `cargo test --locked`) against a throwaway PostgreSQL
# server: Debian's postgresql package, a fresh cluster in a temporary directory on a free port, trust
# authentication on loopback only, stopped and deleted on exit. The suite sees it through
# FRONTDESK_TEST_DATABASE_URL and creates one database per test.
#
#   bash tests/postgres/run.sh                  # cargo test --locked on PostgreSQL
#   bash tests/postgres/run.sh cargo test login # any command, with the server up
#   PG_PORT=5433 bash tests/postgres/run.sh ...
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_PORT=${PG_PORT:-55432}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing postgresql (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")

# PostgreSQL refuses to run as root: the cluster belongs to an unprivileged user.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    RUN_AS=(runuser -u postgres --)
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-pg.XXXXXX")
chmod 755 "$DATA"
[ "${#RUN_AS[@]}" -gt 0 ] && chown postgres "$DATA"
cleanup() {
    "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/cluster" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DATA"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$BIN/initdb" -D "$DATA/cluster" -U frontdesk --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >/dev/null
# Many tests run at once, each with its own database and pool.
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/cluster" -l "$DATA/log" -w -o \
    "-p $PG_PORT -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off" start >/dev/null
echo "== PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

export FRONTDESK_TEST_DATABASE_URL="postgres://frontdesk@127.0.0.1:$PG_PORT/postgres"
if [ "$#" -eq 0 ]; then
    set -- cargo test --locked
fi
"$@"
