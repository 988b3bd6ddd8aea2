#!/usr/bin/env bash
# Fuzzes the parsers frontdesk owns (cargo-fuzz + libFuzzer): every target in fuzz_targets/ runs for
# FUZZ_SECONDS (default 60), starting from the hand-written seeds in seeds/<target>/ plus what earlier
# runs left in corpus/<target>/ (not committed). A crash fails the script; its input is printed so it can
# become a regression test.
#
#   bash fuzz/run.sh                       # all targets, 60 s each
#   FUZZ_SECONDS=10 bash fuzz/run.sh domain
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
# AddressSanitizer links and runs on stable x86_64 Linux; `none` is there for other platforms.
SANITIZER=${FUZZ_SANITIZER:-address}

# cargo-fuzz puts -Zsanitizer=address in RUSTFLAGS (and -Zbuild-std and friends with some options), and
# the project's toolchain is stable, whose rustc refuses -Z flags ("the option `Z` is only accepted on
# the nightly compiler"). RUSTC_BOOTSTRAP=1 makes stable rustc accept them. Set here only, for the fuzz
# build, never for the real one.
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "== cargo fuzz build (sanitizer: $SANITIZER)"
# Cargo caches rustc's answers, failures included and whatever RUSTC_BOOTSTRAP was: one `cargo fuzz`
# run without this script would otherwise leave "only accepted on the nightly compiler" behind.
rm -f target/.rustc_info.json
cargo fuzz build --sanitizer "$SANITIZER"

failed=()
summaries=()
for target in "${targets[@]}"; do
    corpus=corpus/$target
    artifacts=artifacts/$target
    log=target/fuzz-$target.log
    mkdir -p "$corpus" "$artifacts" seeds/"$target"
    before=$(ls "$artifacts")
    echo "== $target: ${FUZZ_SECONDS} s (log: fuzz/$log)"
    started=$SECONDS
    status=ok
    # New inputs go to the first corpus directory only: the seeds stay as written.
    cargo fuzz run --sanitizer "$SANITIZER" "$target" "$corpus" seeds/"$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=30 -print_final_stats=1 \
        </dev/null >"$log" 2>&1 || status=FAILED
    elapsed=$((SECONDS - started))

    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*$' || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*$' || true)
    corp=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*$' || true)
    summaries+=("$(printf '%-12s %-6s execs=%s cov=%s ft=%s corpus=%s seconds=%s' \
        "$target" "$status" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$elapsed")")

    if [ "$status" != ok ]; then
        failed+=("$target")
        echo "-- $target failed; the end of its log:"
        tail -n 60 "$log"
        for file in $(ls "$artifacts"); do
            grep -qxF "$file" <<<"$before" && continue
            echo "-- artifact: fuzz/$artifacts/$file ($(wc -c <"$artifacts/$file") bytes)"
            echo "base64: $(base64 -w 0 "$artifacts/$file")"
            od -A d -c "$artifacts/$file" | head -n 40
        done
    fi
done

echo "== fuzz summary"
printf '%s\n' "${summaries[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "failed targets: ${failed[*]}"
fi
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
