#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/) for a bounded time and prints its figures.
#
#   scripts/fuzz.sh            60 s per target
#   scripts/fuzz.sh 300        five minutes per target
#   scripts/fuzz.sh 60 manifest journal
#
# cargo-fuzz needs nightly flags; the stable toolchain accepts them with
# RUSTC_BOOTSTRAP=1 (no other toolchain is fetched). It is installed with
# `cargo install cargo-fuzz` when missing. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(normalize manifest journal graph_page chain)
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t: ${seconds}s"
  # -O: release with debug assertions; one job, the machine is shared.
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)|SUMMARY|panicked|Done' || true
  echo "   corpus: $(ls "corpus/$t" | wc -l) inputs; crashes: $(ls "artifacts/$t" 2>/dev/null | wc -l)"
done
