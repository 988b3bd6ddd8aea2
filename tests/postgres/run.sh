#!/usr/bin/env bash
# Runs a command (default: the whole test suite, `cargo test --locked`) against a throwaway PostgreSQL
# server: Debian's postgresql package, a fresh cluster in a temporary directory on a free port, trust
# authentication on loopback only, stopped and deleted on exit. The suite sees it through
# FRONTDESK_TEST_DATABASE_URL and creates one database per test.
#
#   bash tests/postgres/run.sh                  # cargo test --locked on PostgreSQL
#   bash tests/postgres/run.sh cargo test login # any command, with the server up
#   PG_PORT=5433 bash tests/postgres/run.sh ...   # default 15432 (or the next free one)
set -euo pipefail
cd "$(dirname "$0")/../.."

# Below the kernel's ephemeral range (32768-60999): the suite run just before leaves thousands of
# client sockets on ephemeral ports, and one on 55432 once kept the server from listening there.
PG_PORT=${PG_PORT:-15432}

# shellcheck source=tests/postgres/lib.sh
source tests/postgres/lib.sh
trap pg_cleanup EXIT
# Many tests run at once, each with its own database and pool. A port in use: the next one, a few times.
for attempt in 1 2 3 4 5; do
  pg_start "$PG_PORT" max_connections=500 fsync=off && break
  pg_cleanup
  if ((attempt == 5)); then echo "PostgreSQL did not start" >&2; exit 1; fi
  PG_PORT=$((PG_PORT + 1))
done

export FRONTDESK_TEST_DATABASE_URL="postgres://frontdesk@127.0.0.1:$PG_PORT/postgres"
if [ "$#" -eq 0 ]; then
    set -- cargo test --locked
fi
"$@"
