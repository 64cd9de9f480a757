// `smh compare MACHINE.json TRACE... [--policies all|p1,p2] [--report R.json] [--html R.html]`:
// every policy chosen, over every trace, on the machine of a scenario file.
// One table per trace, a row per policy with the objective figures (failed
// allocations, footprint, F_ext at its sampled peak, spill), the best row
// marked; policies that placed every block alike (the same digest) are named
// as indistinguishable, with the reason when the machine gives one; warnings
// for configurations that cannot take effect. Runs are fast replays (no
// invariant checks: `smh replay --policy` checks one). On a machine with
// regions of role small or large, size_threshold is compared once per threshold
// (--thresholds; by default candidates from the traces' request sizes), and
// `smh tune` recommends the best one with its threshold. Exit 0, 2 bad input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

struct CompareCommandOptions {
  std::string machine_path;
  std::vector<std::string> trace_paths;
  std::string policies = "all";  // "all" or names joined by ','
  // size_threshold's thresholds (threshold_candidates.hpp): "auto", from the
  // traces' request sizes, or byte counts joined by ','.
  std::string thresholds = "auto";
  std::string report_path;       // --report (empty: none)
  std::string html_path;         // --html (empty: none): the same record as a page
  std::uint64_t max_input_bytes = sim::default_max_input_bytes;  // the machine file read whole
};

int compare_command(const CompareCommandOptions& options);

}  // namespace smh::cli
