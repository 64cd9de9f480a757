// `smh check DIR|FILES...`: the regression gate. Runs every scenario on a pool
// of threads, prints one line each in path order and the totals, optionally
// writes a combined JSON report and JUnit XML, and compares with a baseline
// report. Exit code: the worst of the scenarios' (0 pass, 1 failed, 2 bad
// input), at least 1 on a baseline regression, 2 when the arguments are bad
// (no such path, no scenario found, an unreadable baseline).
#pragma once

#include <string>
#include <vector>

#include "baseline.hpp"

namespace smh::cli {

struct CheckCommandOptions {
  std::vector<std::string> inputs;  // files and directories
  unsigned jobs = 1;                // worker threads, >= 1
  std::string report_path;          // empty: none
  std::string junit_path;           // empty: none
  std::string baseline_path;        // empty: no comparison
  BaselineTolerances tolerances;
  bool quiet = false;               // only failures and the totals
};

int check_command(const CheckCommandOptions& options);

}  // namespace smh::cli
