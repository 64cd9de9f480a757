// The figures a policy is tuned by, from one run's outcome, as Google Benchmark
// user counters: every one a function of the inputs (machine, ops, policy), so
// two runs report the same values. The timings (time per event, the slowest
// operation) are the benchmark's own and are not made here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "smh/sim/scenario_runner.hpp"

namespace smh::bench {

// Name and value, in a fixed order (the run's, then each region's in machine
// order, then each attribute's in ascending value).
using NamedFigures = std::vector<std::pair<std::string, double>>;

NamedFigures policy_counters(const sim::ScenarioOutcome& outcome);

}  // namespace smh::bench
