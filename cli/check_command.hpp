// `smh check DIR|FILES...`: the regression gate. Runs every scenario in a child
// process of its own (--jobs at a time, each within --time-limit), so that one
// that crashes, aborts or hangs is reported as that scenario's failure
// (crashed) while the others still run; prints one line each in path order and
// the totals, optionally
// writes a combined JSON report and JUnit XML, and compares with a baseline
// report. Exit code: the worst of the scenarios' (0 pass, 1 failed, 2 bad
// input), at least 1 on a baseline regression, 2 when the arguments are bad
// (no such path, no scenario found, an unreadable baseline).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gate_outputs.hpp"
#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

struct CheckCommandOptions {
  std::vector<std::string> inputs;  // files and directories
  unsigned jobs = 1;                // child processes at once, >= 1
  double time_limit_seconds = 600;  // per scenario; 0: none
  std::uint64_t max_input_bytes = sim::default_max_input_bytes;  // scenario and baseline files
  std::uint64_t max_findings = 1000;                              // kept in full per scenario
  std::uint64_t max_sim_memory_bytes = std::uint64_t{8} << 30;    // per scenario's machine, worst case
  std::string validate_every = "auto";                            // validation_cadence.hpp
  GateOutputs outputs;              // --report, --junit, --baseline and its tolerances
  bool quiet = false;               // only failures and the totals
};

int check_command(const CheckCommandOptions& options);

}  // namespace smh::cli
