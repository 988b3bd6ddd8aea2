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

# A random loopback port nobody listens on (bash's /dev/tcp: connecting fails when the port is free).
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
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
