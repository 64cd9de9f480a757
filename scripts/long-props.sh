#!/usr/bin/env bash
# The long profile of the property suites: every suite of props/ at a large
# budget, with a fresh seed that is printed, so that a run finds what CI's short
# budget (300 cases of up to 200 commands, a seed per commit) does not, and a
# failure can be replayed. Builds smh_props in the preset first.
#
#   scripts/long-props.sh [preset]     default dev (SMH_ASSERTS on); release is faster
#
# Environment (all optional):
#   SMH_LONG_SEED       the seed (default: 64 fresh bits from /dev/urandom)
#   SMH_LONG_CASES      cases per property (default 6000)
#   SMH_LONG_MAX_SIZE   longest command sequence - 1 (default 300)
#   SMH_LONG_SUITES     space-separated suite names (default: every suite)
#
# Each suite runs on its own; the table at the end gives, per suite, its
# properties' cases, the seconds it took and its result. Exits 1 if any suite
# failed, after printing the line that replays it (its output holds the shrunk
# case as a scenario for scenarios/regressions/).
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-dev}"
seed="${SMH_LONG_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}"
cases="${SMH_LONG_CASES:-6000}"
max_size="${SMH_LONG_MAX_SIZE:-300}"
params="seed=$seed max_success=$cases max_size=$max_size"
props="build/$preset/props/smh_props"
logs="build/$preset/long-props"

echo "long-props: preset $preset, RC_PARAMS=\"$params\""
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target smh_props
mkdir -p "$logs"

if [[ -n "${SMH_LONG_SUITES:-}" ]]; then
  read -r -a suites <<<"$SMH_LONG_SUITES"
else
  # --gtest_list_tests prints each suite as "Name." and its tests indented.
  mapfile -t suites < <("$props" --gtest_list_tests | sed -n 's/^\([A-Za-z0-9_]*\)\.$/\1/p')
fi

summary=()
failed=()
for suite in "${suites[@]}"; do
  log="$logs/$suite.log"
  echo "long-props: $suite ..."
  start=$(date +%s.%N)
  status=0
  RC_PARAMS="$params" "$props" --gtest_filter="$suite.*" >"$log" 2>&1 || status=$?
  seconds=$(awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
  # suite_budget.hpp prints "Suite/Property: N cases, seed S, ..." per property.
  per_property=$(sed -n "s|^$suite/\([A-Za-z0-9_]*\): \([0-9]*\) cases, .*|\1 \2|p" "$log" | tr '\n' ';')
  result=$([[ $status -eq 0 ]] && echo pass || echo FAIL)
  summary+=("$(printf '%-26s %-5s %8.1f s  %s' "$suite" "$result" "$seconds" "${per_property:-no property finished}")")
  if [[ $status -ne 0 ]]; then
    failed+=("$suite")
    echo "long-props: $suite FAILED (log: $log)"
  fi
done

echo
echo "long-props: RC_PARAMS=\"$params\", preset $preset"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} != 0)); then
  echo
  for suite in "${failed[@]}"; do
    echo "replay: RC_PARAMS=\"$params\" $props --gtest_filter='$suite.*'   (log: $logs/$suite.log)"
  done
  exit 1
fi
