// What `smh check`, `smh run` and `smh replay` do with a finished run's outcomes,
// in one place: compare them with the --baseline report, print the comparison,
// and write the JSON report (with a "baseline" section) and the JUnit XML (with
// the baseline's regressions as failures), so that both files agree with the
// exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "baseline.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

struct GateOutputs {
  std::string report_path;    // --report (empty: none)
  std::string junit_path;     // --junit (empty: none)
  std::string baseline_path;  // --baseline (empty: no comparison)
  BaselineTolerances tolerances;
};

// Reads the baseline before anything runs (a typo in its name should not cost a
// run). True when there is none to read; false with the message printed
// ("smh COMMAND: --baseline: ...").
bool load_gate_baseline(const char* command, const GateOutputs& outputs, std::uint64_t max_input_bytes,
                        Baseline* baseline);

// Prints the comparison with the baseline (when there is one) on stdout, then
// writes the report and the JUnit XML. Returns `code` raised to 1 on a baseline
// regression and to 2 when an output cannot be written (message on stderr).
int finish_gate_outputs(const char* command, const GateOutputs& outputs, const Baseline& baseline,
                        const std::vector<const sim::ScenarioOutcome*>& outcomes, unsigned jobs,
                        double wall_seconds, int code);

}  // namespace smh::cli
