// The files smh writes (--report, --junit) are checked before anything runs: an
// empty name is refused when the flag is parsed (main.cpp: a report silently not
// written would pass for one written), and a name that is one of the run's inputs (the
// scenario, the trace, a scenario `smh check` found) or another output is
// refused here, so that `smh run S.json --report S.json` cannot overwrite the
// scenario it ran.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace smh::cli {

// Empty when every output (flag, path; empty paths are absent) names a file
// that is none of `inputs` and no other output, whatever the path spelling
// (same file: std::filesystem::equivalent); else the first clash, as
// "--report: out.json is the scenario S.json, an input of this run".
std::string output_clash(const std::vector<std::pair<std::string, std::string>>& outputs,
                         const std::vector<std::string>& inputs);

}  // namespace smh::cli
