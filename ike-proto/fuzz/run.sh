#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60), seeded from seeds/<target>.
# Needs cargo-fuzz (cargo install cargo-fuzz); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take the nightly flags libFuzzer builds use.
#
#   ike-proto/fuzz/run.sh            # every target, 60 s each
#   ike-proto/fuzz/run.sh 10 sa id   # these targets, 10 s each
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true; fi
    echo "=== $t: ${secs}s ==="
    cargo fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 2>&1 \
        | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|INFO: -max_total_time|==[0-9]+==|SUMMARY|panicked|Done)' || true
    if ls artifacts/"$t"/* >/dev/null 2>&1; then
        echo "!!! $t left artifacts:"; ls artifacts/"$t"; exit 1
    fi
done
