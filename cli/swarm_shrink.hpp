// Shrinking a failing seed's scenario to a small one that fails the same way:
// the same check still fires. Steps, each kept only when the check still fires:
// drop the faults and the cache noise; cut the ops after the first firing; drop
// whole handles (every op of a handle, so the rest stays valid), in halves,
// then quarters, ... down to one handle at a time; drop single ops; merge
// handles (a handle renamed to an earlier one whose ops all come before its
// own); drop whole regions, then halve each region's size; halve request
// sizes. Deterministic (no clock: the same input shrinks to the same scenario)
// and bounded by a number of runs.
#pragma once

#include <cstdint>
#include <string>

#include "smh/sim/scenario.hpp"
#include "swarm_seed.hpp"

namespace smh::cli {

struct ShrinkResult {
  sim::Scenario scenario;  // the smallest found (the input when nothing shrank)
  std::uint64_t runs = 0;  // runs spent
  bool budget_spent = false;  // stopped by max_runs rather than by having nothing left to try
};

// `check` is the name of the check that fired (SeedResult::check); `at_op` its first op.
ShrinkResult shrink_failing_scenario(const sim::Scenario& scenario, const std::string& check, std::uint64_t at_op,
                                     const SwarmSettings& settings, std::uint64_t max_runs);

}  // namespace smh::cli
