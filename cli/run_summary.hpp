// What `smh run` and `smh replay` print: the readable summary of one outcome
// (inputs, verdict, a table of regions and attributes, fragmentation over time
// as sparklines, findings, injected faults, unmet expectations, the reproduce
// line), and the one-line form `smh check` and `--quiet` print.
//
// Deterministic: no timings, so two runs print the same bytes.
#pragma once

#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

// The full summary, '\n'-terminated lines.
std::string render_run_summary(const sim::ScenarioOutcome& outcome);

// "PASS  path  N ops, digest 0x..." / "FAIL  path  verdict: first reason" /
// "ERROR path  bad_input: message", then for a failure the other reasons and
// the reproduce line, indented. '\n'-terminated.
std::string render_outcome_line(const sim::ScenarioOutcome& outcome);

}  // namespace smh::cli
