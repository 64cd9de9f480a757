#!/usr/bin/env bash
# Builds the fuzz preset (clang, ASan + UBSan, libFuzzer) and runs each fuzz
# target for a bounded time, so that CI can call it. Exits 0 when no target found
# a crash, a hang, a leak or a sanitizer report; otherwise with libFuzzer's exit
# code, the input that did it left in build/fuzz/artifacts/<target>/ (replay it:
# build/fuzz/fuzz/<target> <file>).
#
#   scripts/fuzz.sh [seconds per target]    default 60 (or $SMH_FUZZ_SECONDS)
#
# Each target keeps the inputs it found interesting in build/fuzz/corpus/<target>/
# and starts again from them next time. Seeds: the bundled scenarios for the
# scenario parser; fuzz/seeds/trace_lines_fuzz/ (and a zstd copy of each, when the
# zstd command is there) for the trace reader.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${SMH_FUZZ_SECONDS:-60}}"
build=build/fuzz

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# run <target> <seed file>...
run() {
  local target=$1
  shift
  local corpus=$build/corpus/$target seeds=$build/seeds/$target artifacts=$build/artifacts/$target/
  mkdir -p "$corpus" "$seeds" "$artifacts"
  cp "$@" "$seeds"/
  echo "fuzz: $target for ${seconds} s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: bounded memory.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$build/fuzz/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict=fuzz/scenario_format.dict -artifact_prefix="$artifacts" "$corpus" "$seeds"
}

mapfile -t scenario_seeds < <(find scenarios -name '*.json' ! -name scenario.schema.json | sort)
run scenario_parser_fuzz "${scenario_seeds[@]}"

trace_seeds=(fuzz/seeds/trace_lines_fuzz/*.jsonl)
if command -v zstd >/dev/null; then
  mkdir -p "$build/seeds/zstd"
  for seed in "${trace_seeds[@]}"; do
    zstd -q -f "$seed" -o "$build/seeds/zstd/$(basename "$seed").zst"
  done
  trace_seeds+=("$build"/seeds/zstd/*.zst)
fi
run trace_lines_fuzz "${trace_seeds[@]}"
