// Whether a run met its scenario's expectations: the verdict `smh run` and
// `smh check` give. Each unmet expectation is one line saying what was expected
// and what happened, in a fixed order (so reports are deterministic).
#pragma once

#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/scenario.hpp"

namespace smh::sim {

// Empty when every expectation holds.
std::vector<std::string> unmet_expectations(const Expectations& expect, const RunResult& result);

// The footprint overhead as Expectations::max_footprint_overhead defines it
// (0 when nothing was ever live).
double footprint_overhead(const RunSummary& summary);

}  // namespace smh::sim
