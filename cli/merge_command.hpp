// `smh merge R1.json R2.json ... -o MERGED.json`: combines the reports of the
// shards of one swarm campaign into the report a single run over the same
// seeds gives (shard 0/1, results in seed order): byte-equal to it up to the
// timings (the merged ones: the longest wall time, the summed CPU time and
// jobs). The reports must come from the same machine, ops per seed, seed range
// and shard count, with every shard present once and each seed in its own
// shard; anything else is a precise error and exit 2. Exit 1 when the merged
// campaign has a failing seed, 0 otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "swarm_report.hpp"

namespace smh::cli {

struct MergeCommandOptions {
  std::vector<std::string> report_paths;
  std::string output_path;
  std::uint64_t max_input_bytes = std::uint64_t{1} << 30;  // each report read whole
};

// The merged report, or false with *error ("R2.json: ...") naming the report at fault.
bool merge_swarm_reports(const std::vector<SwarmReport>& reports, const std::vector<std::string>& names,
                         SwarmReport* merged, std::string* error);

int merge_command(const MergeCommandOptions& options);

}  // namespace smh::cli
