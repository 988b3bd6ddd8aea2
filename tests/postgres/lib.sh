# A throwaway PostgreSQL server for test scripts (sourced, not run): Debian's postgresql package, a fresh
# cluster in a temporary directory on a loopback port, trust authentication, deleted by pg_cleanup.
#
#   source tests/postgres/lib.sh
#   pg_start 15432 [extra postgres -c settings ...]   # sets PG_BIN, PG_DATA, PG_PORT; superuser "frontdesk"
#   pg_ctl_as restart -m fast                          # pg_ctl on that cluster, as its owner
#   pg_ctl_as -w -o "$PG_OPTS" start                   # (after a stop) with pg_start's options
#   pg_cleanup                                         # from the caller's EXIT trap

PG_BIN= PG_DATA= PG_OPTS=
PG_RUN_AS=()

pg_install() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "== installing postgresql (Debian package)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    # PostgreSQL refuses to run as root: the cluster belongs to an unprivileged user.
    PG_RUN_AS=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        PG_RUN_AS=(runuser -u postgres --)
    fi
}

# pg_ctl_as ARGS...: pg_ctl on the throwaway cluster, as the user that owns it.
pg_ctl_as() {
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA/cluster" "$@"
}

# pg_start PORT [SETTING=VALUE ...]: a new cluster listening on 127.0.0.1:PORT (and a socket in PG_DATA),
# superuser "frontdesk", trust authentication; each SETTING becomes a `-c` option of the server.
pg_start() {
    PG_PORT=$1
    shift
    pg_install
    PG_DATA=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-pg.XXXXXX")
    chmod 755 "$PG_DATA"
    if [ "${#PG_RUN_AS[@]}" -gt 0 ]; then chown postgres "$PG_DATA"; fi
    "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA/cluster" -U frontdesk --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >/dev/null
    PG_OPTS="-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1"
    local setting
    for setting in "$@"; do PG_OPTS+=" -c $setting"; done
    pg_ctl_as -l "$PG_DATA/log" -w -o "$PG_OPTS" start >/dev/null ||
        { tail -5 "$PG_DATA/log" >&2; return 1; }
    echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
}

pg_cleanup() {
    [ -n "$PG_DATA" ] || return 0
    pg_ctl_as -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
    PG_DATA=
}
