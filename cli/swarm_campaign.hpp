// Running a shard of a swarm campaign on N threads: the threads take the next
// seed from a shared counter, and each result is stored under its seed, so the
// results come back in seed order whatever the number of threads or which one
// ran which seed. With a duration the threads stop claiming seeds when it is
// over; every claimed seed is finished, so the seeds run are a prefix of the
// shard's seeds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "smh/sim/scenario.hpp"
#include "swarm_seed.hpp"
#include "swarm_shard.hpp"

namespace smh::cli {

struct CampaignPlan {
  SeedRange range;
  Shard shard;
  std::optional<std::uint64_t> duration_seconds;  // with an open range
  unsigned jobs = 1;
  // Each worker keeps its machines' host memory for the next seed
  // (sim::HostMemoryReuse). Off, every machine maps and unmaps its own: the same
  // results, slower (bench/swarm_bench.cpp compares).
  bool reuse_host_memory = true;
};

// Updated by the workers as seeds finish, read by a progress display.
struct CampaignProgress {
  std::atomic<std::uint64_t> seeds_done{0};
  std::atomic<std::uint64_t> ops_done{0};
  std::atomic<std::uint64_t> failures{0};
};

// How many seeds of the range fall in the shard (none for an open range).
std::optional<std::uint64_t> shard_seed_count(const SeedRange& range, const Shard& shard);

// The k-th seed (0-based) of the shard, or nullopt past the range or 2^64.
std::optional<std::uint64_t> shard_seed(const SeedRange& range, const Shard& shard, std::uint64_t k);

// Runs the plan; `on_wait` is called from the calling thread about every 100 ms
// while the workers run (the progress line).
std::vector<SeedResult> run_campaign(const sim::Scenario& machine, const CampaignPlan& plan,
                                     const SwarmSettings& settings, CampaignProgress* progress,
                                     const std::function<void()>& on_wait);

}  // namespace smh::cli
