// The one command line that reruns a run exactly: the effective seed and policy
// are always spelled out, so it reproduces the run even when they came from
// overrides, and the scenario's defaults may later change.
#pragma once

#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

// `smh run PATH --seed S --policy P`, or for a replay
// `smh replay --machine MAP TRACE --seed S --policy P`; paths shell-quoted.
// Only the path (and trace) when the scenario did not even load.
std::string reproduce_command(const sim::RunInputs& inputs);

}  // namespace smh::cli
