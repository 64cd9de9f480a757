// How a scenario's outcome crosses from the child process that ran it back to
// `smh check` (isolated_runs.hpp): a flat binary encoding of everything in a
// ScenarioOutcome but its inputs, which the parent already has (it loaded the
// scenario before it forked). Parent and child are the same program, so plain
// structs (HeapStats, PoolStats) travel as their bytes.
#pragma once

#include <string>
#include <string_view>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

// Everything but outcome.inputs.
std::string encode_outcome(const sim::ScenarioOutcome& outcome);
// Fills everything but out->inputs. False when `bytes` is not a whole encoding
// (a child that died while writing it).
bool decode_outcome(std::string_view bytes, sim::ScenarioOutcome* out);

}  // namespace smh::cli
