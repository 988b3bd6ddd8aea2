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

# shellcheck source=tests/postgres/lib.sh
source tests/postgres/lib.sh
trap pg_cleanup EXIT
# Many tests run at once, each with its own database and pool.
pg_start "$PG_PORT" max_connections=500 fsync=off

export FRONTDESK_TEST_DATABASE_URL="postgres://frontdesk@127.0.0.1:$PG_PORT/postgres"
if [ "$#" -eq 0 ]; then
    set -- cargo test --locked
fi
"$@"
