// `smh tune REPORT.json... [--objective failures|footprint|latency|weighted]
//  [--weights failures=W,footprint=W,latency=W] [-o MACHINE.json]`:
// reads `smh compare --report` reports, ranks the policies per trace and over
// all traces (policy_ranking.hpp), prints the tables with each best's margin
// to the runner-up, and writes the compared machine with the recommended
// policy (and, when size_threshold=T wins, pool.size_threshold T: compare
// ranks size_threshold once per threshold tried) as a scenario file that run,
// check and replay accept. A malformed
// report is bad input with file:line:col (syntax) or its JSON path (shape).
// Exit 0, 2 bad input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace smh::cli {

struct TuneCommandOptions {
  std::vector<std::string> report_paths;
  std::string objective = "failures";  // failures, footprint, latency, weighted (policy_ranking.hpp)
  std::string weights;                 // --weights (weighted only; empty: 1 each)
  std::string output_path;  // -o (empty: none)
  // Each report, and the compared machine (for -o), is read whole up to this.
  std::uint64_t max_input_bytes = std::uint64_t{1} << 30;
};

int tune_command(const TuneCommandOptions& options);

}  // namespace smh::cli
