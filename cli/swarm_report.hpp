// The report of `smh swarm` and `smh merge` (JSON): what was run (the machine's
// name and hash, ops per seed, the seed range, the shard), one result per seed in
// seed order, the totals, and — last, in their own member — the timings, the
// only part that differs between two runs of the same seeds. So a campaign run
// with any --jobs, or split into shards and merged, gives the same bytes up to
// "timings".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "swarm_seed.hpp"

namespace smh::cli {

struct SwarmTimings {
  double wall_seconds = 0;
  double cpu_seconds = 0;  // of the process (all its threads)
  std::uint64_t jobs = 0;  // summed over merged shards
};

struct SwarmReport {
  std::string machine_name;
  std::uint64_t machine_hash = 0;
  std::uint64_t ops_per_seed = 0;
  std::uint64_t first_seed = 0;
  std::optional<std::uint64_t> last_seed;  // --seeds A..B: B; --duration: none (the results say how far)
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  std::vector<SeedResult> results;  // ascending seed
  SwarmTimings timings;
};

nlohmann::ordered_json to_json(const SwarmReport& report);

// Reads a report back; throws ReportShapeError (report_reading.hpp) with the
// JSON path of a missing or mistyped member.
SwarmReport swarm_report_from_json(const nlohmann::ordered_json& json);

// Seeds that failed, in the report's order.
std::uint64_t failure_count(const SwarmReport& report);

}  // namespace smh::cli
