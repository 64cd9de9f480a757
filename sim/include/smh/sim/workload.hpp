// Seeded workload generation: op sequences for tests, properties, the fuzzer and
// the benchmarks, from one deterministic generator (smh::sim::Rng). A workload
// holds live requested bytes near a target fill of the machine's capacity, with
// sizes log-uniform in [min_size_bytes, max_size_bytes], an occasional aligned
// request and realloc, and frees of random live handles; it ends by freeing
// whatever is still live, so a run returns the machine to empty.
#pragma once

#include <cstdint>
#include <vector>

#include "smh/sim/ops.hpp"

namespace smh::sim {

struct WorkloadConfig {
  std::uint64_t op_count = 10'000;          // before the closing frees
  std::uint64_t target_live_bytes = 64 << 10;
  std::uint32_t min_size_bytes = 16;
  std::uint32_t max_size_bytes = 4096;
  std::uint32_t realloc_per_mille = 50;
  std::uint32_t aligned_per_mille = 100;    // align drawn from 16..max_align_bytes
  std::uint32_t max_align_bytes = 256;
  std::vector<std::uint32_t> attrs{0};      // each request picks one uniformly
};

std::vector<Op> generate_workload(const WorkloadConfig& config, std::uint64_t seed);

}  // namespace smh::sim
