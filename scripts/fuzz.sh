#!/usr/bin/env bash
# Builds the fuzz preset (clang, ASan + UBSan, libFuzzer) and runs every fuzz
# target for a bounded time, so that CI can call it. Exits 0 when no target found
# a crash, a hang, a leak or a sanitizer report; otherwise with libFuzzer's exit
# code, the input that did it left in build/fuzz/artifacts/<target>/ (replay it:
# build/fuzz/fuzz/<target> <file>).
#
#   scripts/fuzz.sh [total seconds]    default 180 (or $SMH_FUZZ_SECONDS)
#
# The total is split evenly across the targets (at least 10 s each), so adding
# a target does not lengthen CI: it shares the same budget. Each target keeps
# the inputs it found interesting in build/fuzz/corpus/<target>/ and starts again
# from them next time. Seeds: the bundled scenarios for the scenario parser;
# fuzz/seeds/<target>/ (and a zstd copy of each, when the zstd command is there)
# for the trace reader and the importers.
set -euo pipefail
cd "$(dirname "$0")/.."

total="${1:-${SMH_FUZZ_SECONDS:-180}}"
targets=(scenario_parser_fuzz trace_lines_fuzz import_fuzz)
seconds=$((total / ${#targets[@]}))
if ((seconds < 10)); then
  seconds=10
fi
build=build/fuzz

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# run <target> <dictionary> <seed file>...
run() {
  local target=$1 dictionary=$2
  shift 2
  local corpus=$build/corpus/$target seeds=$build/seeds/$target artifacts=$build/artifacts/$target/
  mkdir -p "$corpus" "$seeds" "$artifacts"
  cp "$@" "$seeds"/
  echo "fuzz: $target for ${seconds} s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: bounded memory.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$build/fuzz/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$dictionary" -artifact_prefix="$artifacts" "$corpus" "$seeds"
}

# The seed files of a target under fuzz/seeds/, plus zstd copies of them.
seeds_of() {
  local target=$1
  local files=(fuzz/seeds/"$target"/*)
  if command -v zstd >/dev/null; then
    mkdir -p "$build/seeds/zstd/$target"
    for seed in "${files[@]}"; do
      zstd -q -f "$seed" -o "$build/seeds/zstd/$target/$(basename "$seed").zst"
      files+=("$build/seeds/zstd/$target/$(basename "$seed").zst")
    done
  fi
  printf '%s\n' "${files[@]}"
}

mapfile -t scenario_seeds < <(find scenarios -name '*.json' ! -name scenario.schema.json | sort)
run scenario_parser_fuzz fuzz/scenario_format.dict "${scenario_seeds[@]}"

mapfile -t trace_seeds < <(seeds_of trace_lines_fuzz)
run trace_lines_fuzz fuzz/scenario_format.dict "${trace_seeds[@]}"

mapfile -t import_seeds < <(seeds_of import_fuzz)
run import_fuzz fuzz/import_formats.dict "${import_seeds[@]}"
