// `smh swarm MACHINE.json [--seeds A..B | --duration D] [--jobs N] [--shard I/N]
//  [--shard-count N] [--ops N] [--out DIR] [--report R.json]`: a campaign of
// seeded runs on one machine (swarm_seed.hpp), its seeds partitioned into
// shards (swarm_shard.hpp) and run on N threads (swarm_campaign.hpp). Each
// failing seed is written to DIR as a scenario file with its one-line
// reproduce command; the report (swarm_report.hpp) is the same bytes, up to its
// timings, for any --jobs, and shard reports merge with `smh merge`. A progress
// line on stderr when it is a terminal. Exit 0 no failure, 1 a seed failed, 2
// bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

struct SwarmCommandOptions {
  std::string machine_path;
  std::optional<std::string> seeds;     // "A..B"; neither this nor duration: 0..999
  std::optional<std::string> duration;  // "90s", "15m", "2h"
  std::optional<std::string> shard;     // "I/N"
  std::optional<std::uint64_t> shard_count;  // with JOB_COMPLETION_INDEX
  unsigned jobs = 1;
  std::uint64_t ops_per_seed = 2000;
  std::string out_dir = "swarm-failures";  // created only when a seed fails
  std::string report_path;                 // empty: none
  std::uint64_t shrink_runs = 2000;        // runs a failing seed's shrinking may spend (0: no shrinking)
  std::uint64_t max_input_bytes = sim::default_max_input_bytes;
  // Host memory the --jobs machines running at once may use at worst (as smh
  // run's --max-sim-memory-bytes, sim::sim_memory_refusal).
  std::uint64_t max_sim_memory_bytes = std::uint64_t{8} << 30;
};

int swarm_command(const SwarmCommandOptions& options);

}  // namespace smh::cli
