// `smh run SCENARIO` and `smh replay --machine MAP TRACE`: one run, its readable
// summary on stdout (or one line with --quiet), optional JSON and JUnit reports,
// and the exit code of its verdict (0 pass, 1 failed, 2 bad input).
#pragma once

#include <optional>
#include <string>

namespace smh::cli {

struct RunCommandOptions {
  std::string scenario_path;   // run: the scenario; replay: the machine description
  std::string trace_path;      // replay only
  std::optional<std::string> seed;    // as typed; checked here
  std::optional<std::string> policy;  // a policy name (already checked by the parser)
  std::string report_path;     // --report (empty: none)
  std::string junit_path;      // --junit (empty: none)
  bool quiet = false;
};

int run_command(const RunCommandOptions& options);
int replay_command(const RunCommandOptions& options);

}  // namespace smh::cli
