# Shared by the bench/ scripts (sourced, not run): messages, process and port helpers, wrk output parsing.

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

stop_pid() { # stop_pid PID [group]: TERM, wait up to 5 s, then KILL. "group" signals the process group.
  local pid=$1 target=$1
  [ "${2:-}" = group ] && target=-$1
  kill -TERM -- "$target" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "$target" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# need COMMAND[:PACKAGE] ...: installs the Debian packages of the commands that are missing, with one
# apt-get update at most (PACKAGE defaults to COMMAND).
need() {
  local spec missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null || missing+=("${spec#*:}")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Sets BIN: $FRONTDESK_BIN when set (e.g. a binary built from a clean checkout while the working tree is
# mid-edit), otherwise the release binary, built here.
frontdesk_binary() {
  if [ -n "${FRONTDESK_BIN:-}" ]; then
    BIN=$FRONTDESK_BIN
    say "using $BIN (FRONTDESK_BIN set, not building)"
  else
    # The project needs a recent toolchain (edition 2024), which Debian's cargo is not: expect rustup's.
    command -v cargo >/dev/null || die "cargo not found (install Rust with rustup; Debian's cargo is too old)"
    say "building (cargo build --release --locked) ..."
    cargo build --release --locked --quiet
    BIN="$ROOT/target/release/frontdesk"
  fi
  [ -x "$BIN" ] || die "$BIN was not built"
}

# A random loopback port nobody listens on (bash's /dev/tcp: connecting fails when the port is free),
# below the kernel's ephemeral range: a port there can be the local end of some outgoing connection,
# which no listener shows, and a server then fails to bind it (seen under tests/cluster's load).
free_port() {
  local port low=20000 ephemeral=32768
  read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((ephemeral - low > 2000)) || low=$((ephemeral > 3024 ? ephemeral - 2000 : 1024))
  for _ in $(seq 100); do
    port=$((low + RANDOM % (ephemeral - low)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

# "10s" / "1m" / "2h" / "10" -> seconds (used to bound wrk with timeout).
seconds() {
  local d=$1
  case $d in
    *h) echo $((${d%h} * 3600)) ;; *m) echo $((${d%m} * 60)) ;; *s) echo "${d%s}" ;; *) echo "$d" ;;
  esac
}

# The value attribute of the first <input> whose attributes match PATTERN, HTML entities decoded.
input_value() { # input_value PATTERN FILE
  # grep -m1, not "| head -1": with pipefail, head closing the pipe early can fail the whole pipeline (SIGPIPE).
  grep -m1 -o "<input[^>]*$1[^>]*>" "$2" | sed -n '1s/.*value="\([^"]*\)".*/\1/p' |
    sed 's/&quot;/"/g; s/&#x27;/'"'"'/g; s/&#39;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
}

# wrk prints latencies as 812.00us / 1.23ms / 2.01s: convert to ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else printf "?" }'
}

# register_app BASE CODE DIR: signs in as $ADMIN_EMAIL / $ADMIN_PASSWORD and registers an app with client
# code CODE through the dashboard, as a browser would (session cookie + CSRF token from each form page);
# sets CLIENT_ID and CLIENT_SECRET. Work files go to DIR.
register_app() {
  local base=$1 app_code=$2 dir=$3 csrf code
  local c=(curl -sS --max-time 10 -c "$dir/cookies.txt" -b "$dir/cookies.txt")
  "${c[@]}" -o "$dir/login.html" "$base/login"
  csrf=$(input_value 'name="csrf_token"' "$dir/login.html")
  [ -n "$csrf" ] || die "no csrf_token on $base/login"
  code=$("${c[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" "$base/login")
  [ "$code" = 303 ] || die "sign-in at $base answered $code, expected 303"
  "${c[@]}" -o "$dir/create.html" "$base/apps/connected-apps/create"
  csrf=$(input_value 'name="csrf_token"' "$dir/create.html")
  [ -n "$csrf" ] || die "no csrf_token on $base/apps/connected-apps/create"
  code=$("${c[@]}" -o "$dir/created.html" -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
    -d "client_code=$app_code" -d "client_name=Bench $app_code" -d pii_mode=DontRetrieve \
    -d secret_description=bench -d scopes=setup.read -d scopes=reservations.read \
    "$base/apps/connected-apps/create")
  [ "$code" = 200 ] || die "registering $app_code at $base answered $code, expected 200"
  CLIENT_ID=$(input_value 'id="client-id"' "$dir/created.html")
  CLIENT_SECRET=$(input_value 'id="client-secret"' "$dir/created.html")
  [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || die "no client ID / secret on the created page at $base"
}

# start_nginx_ha DIR LISTEN_PORT UPSTREAM_PORT...: nginx running deploy/nginx-ha.conf inside a minimal
# main configuration of its own (prefix, pid, logs, temporary files in DIR), listening on
# 127.0.0.1:LISTEN_PORT, its upstream servers replaced by 127.0.0.1:UPSTREAM_PORT (one per port given,
# same settings); sets NGINX_PID and returns once nginx answers. WORKERS (default 1) sets
# worker_processes.
start_nginx_ha() {
  local dir=$1 listen=$2 port
  shift 2
  mkdir -p "$dir"
  local servers="" template
  template=$(grep -m1 -E '^ *server frontdesk-1:8080 ' "$ROOT/deploy/nginx-ha.conf") ||
    die "deploy/nginx-ha.conf changed shape: no 'server frontdesk-1:8080' line"
  for port in "$@"; do servers+="${template/frontdesk-1:8080/127.0.0.1:$port}"$'\n'; done
  awk -v servers="$servers" '
    /^ *server frontdesk-[0-9]+:8080 / { if (!done) { printf "%s", servers; done = 1 } next }
    { print }' "$ROOT/deploy/nginx-ha.conf" |
    sed -e "s/^\( *\)listen 8080;/\1listen 127.0.0.1:$listen;/" \
      -e "s|access_log /dev/stdout|access_log $dir/access.log|" >"$dir/frontdesk.conf"
  grep -q "listen 127.0.0.1:$listen;" "$dir/frontdesk.conf" ||
    die "deploy/nginx-ha.conf changed shape: no 'listen 8080;' line"
  cat >"$dir/nginx.conf" <<EOF_NGINX
daemon off;
worker_processes ${WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log notice;
events { worker_connections 1024; }
http {
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/frontdesk.conf;
}
EOF_NGINX
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" 2>"$dir/t.log" ||
    { cat "$dir/t.log" >&2; die "nginx -t refused deploy/nginx-ha.conf"; }
  nginx -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 50); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$listen/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$dir/error.log" >&2
  die "nginx does not answer on 127.0.0.1:$listen"
}

# run_token_wrk NAME URL AUTH_B64 DURATION: drives the token endpoint at URL with wrk (the script $LUA,
# $THREADS threads, $CONNECTIONS connections, Basic AUTH_B64); sets RPS P50 P99 ERRORS and keeps the raw
# output in $TMP/wrk-NAME.txt. Used by bench/token.sh and bench/token-pg.sh.
run_token_wrk() {
  local name=$1 url=$2 auth=$3 dur=$4 out="$TMP/wrk-$1.txt"
  # timeout: wrk stops by itself after -d, this only guards against a wedged run. In the background
  # with wait, so that Ctrl-C / TERM reach the trap at once instead of after the run.
  BENCH_AUTH=$auth BENCH_BODY=grant_type=client_credentials \
    timeout $(($(seconds "$dur") + 30)) \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout 5s --latency -s "$LUA" "$url" >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || { WRK_PID=; cat "$out" >&2; die "wrk failed ($name)"; }
  WRK_PID=
  RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  P50=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "50%" { print $2; exit }' "$out")")
  P99=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "99%" { print $2; exit }' "$out")")
  local non2xx socket
  non2xx=$(sed -n 's/^BENCH_RESULT .*non2xx=\([0-9]*\).*/\1/p' "$out")
  socket=$(sed -n 's/^BENCH_RESULT .*socket_errors=\([0-9]*\).*/\1/p' "$out")
  [ -n "$RPS" ] && [ -n "$non2xx" ] && [ -n "$socket" ] || { cat "$out" >&2; die "could not parse wrk output ($name)"; }
  ERRORS=$((non2xx + socket))
  if ((ERRORS)); then
    say "  $name: $non2xx non-2xx responses, $socket socket errors"
    grep -E '^BENCH_(STATUSES|SOCKET)' "$out" | sed 's/^/    /' >&2 || true
  fi
}

# start_server: the binary itself on a free port (not cargo run), so $SERVER_PID is the server and
# /proc/$SERVER_PID/status its memory. Reads BIN, DB (a SQLite file), TMP, ADMIN_EMAIL, ADMIN_PASSWORD;
# sets PORT, BASE, SERVER_PID; dies unless /login answers within 30 s.
start_server() {
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  FRONTDESK_LISTEN="127.0.0.1:$PORT" DATABASE_URL="sqlite://$DB" \
    FRONTDESK_ADMIN_EMAIL="$ADMIN_EMAIL" FRONTDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG=warn \
    "$BIN" >>"$TMP/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  say "starting frontdesk on $BASE (pid $SERVER_PID) ..."
  local i
  for i in $(seq 300); do # up to 30 s
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "frontdesk exited during start-up"; }
    curl -fsS -o /dev/null --max-time 1 "$BASE/login" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$TMP/server.log" >&2
  die "frontdesk did not answer /login within 30 s"
}

# sign_in_admin JAR: signs in at $BASE as ADMIN_EMAIL through the form, the session kept in cookie jar
# JAR; dies unless the form answers 303.
sign_in_admin() {
  local jar=$1 csrf code
  local C=(curl -sS --max-time 10 -c "$jar" -b "$jar")
  "${C[@]}" -o "$jar.login.html" "$BASE/login"
  csrf=$(input_value 'name="csrf_token"' "$jar.login.html")
  [ -n "$csrf" ] || die "no csrf_token on /login"
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/login")
  [ "$code" = 303 ] || die "sign-in answered $code, expected 303"
}
