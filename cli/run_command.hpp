// `smh run SCENARIO` and `smh replay --machine MAP TRACE`: one run, its readable
// summary on stdout (or one line with --quiet), optional JSON, JUnit and HTML reports,
// an optional comparison with a baseline report (as `smh check` does), and the
// exit code of its verdict (0 pass, 1 failed, 2 bad input), at least 1 on a
// baseline regression.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gate_outputs.hpp"
#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

struct RunCommandOptions {
  std::string scenario_path;   // run: the scenario; replay: the machine description
  std::string trace_path;      // replay only
  std::optional<std::string> seed;    // as typed; checked here
  std::optional<std::string> policy;  // a policy name (already checked by the parser)
  GateOutputs outputs;         // --report, --junit, --baseline and its tolerances
  std::string html_path;       // --html (empty: none)
  bool quiet = false;
  std::uint64_t max_input_bytes = sim::default_max_input_bytes;  // the scenario or machine file
  std::uint64_t max_findings = 1000;                              // kept in full; the rest counted
  std::uint64_t max_sim_memory_bytes = std::uint64_t{8} << 30;    // the machine's worst case
  std::string validate_every = "auto";                            // validation_cadence.hpp
  bool no_checks = false;  // --no-checks: outcomes, figures and digest only (RunnerOptions::check_invariants)
};

int run_command(const RunCommandOptions& options);
int replay_command(const RunCommandOptions& options);

}  // namespace smh::cli
