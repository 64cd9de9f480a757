// The mixed workload of the heap benchmark, generated ahead of time so that the
// timed loop runs allocator calls only: sizes log-uniform in [16, 4096] bytes,
// allocations and frees interleaved around a 50 % fill target, about 5 % reallocs.
// Ops name blocks by slot (an index into a table of live pointers), never by
// address, so the trace is independent of where the allocator puts things.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/sim/prng.hpp"

namespace smh::bench {

struct WorkloadOp {
  enum class Kind : std::uint8_t { alloc, free, realloc };
  Kind kind;
  std::uint32_t slot;
  std::uint32_t size_bytes;  // alloc and realloc
};

struct MixedWorkloadConfig {
  std::size_t region_bytes = 4u << 20;
  std::size_t fill_percent = 50;   // live requested bytes hover around this share
  std::size_t op_count = 200'000;
  std::uint32_t min_size_bytes = 16;
  std::uint32_t max_size_bytes = 4096;
  std::uint64_t realloc_per_mille = 50;
  std::uint64_t seed = 0x5EED'0001;
};

struct MixedWorkload {
  std::vector<WorkloadOp> ops;
  std::size_t slot_count = 0;
};

// Deterministic: the same config always yields the same trace. The generator
// tracks live requested bytes (not the allocator's state): below the target it
// allocates 3 times in 5, above it 2 times in 5, so the fill oscillates around it.
inline MixedWorkload make_mixed_workload(const MixedWorkloadConfig& config) {
  sim::Rng rng = sim::Rng::stream(config.seed, "bench.mixed");
  const std::size_t target_bytes = config.region_bytes * config.fill_percent / 100;
  MixedWorkload workload;
  workload.ops.reserve(config.op_count);
  std::vector<std::uint32_t> live_slots;     // slots holding a block
  std::vector<std::uint32_t> live_sizes;     // by slot
  std::vector<std::uint32_t> position;       // slot -> index in live_slots
  std::vector<std::uint32_t> vacant_slots;
  std::size_t live_bytes = 0;

  auto draw_size = [&] {
    return static_cast<std::uint32_t>(rng.log_uniform(config.min_size_bytes, config.max_size_bytes));
  };
  while (workload.ops.size() < config.op_count) {
    if (!live_slots.empty() && rng.below(1000) < config.realloc_per_mille) {
      const std::uint32_t slot = live_slots[rng.below(live_slots.size())];
      const std::uint32_t size = draw_size();
      live_bytes = live_bytes - live_sizes[slot] + size;
      live_sizes[slot] = size;
      workload.ops.push_back({WorkloadOp::Kind::realloc, slot, size});
      continue;
    }
    const bool below_target = live_bytes < target_bytes;
    const bool allocate = live_slots.empty() || rng.chance(below_target ? 3 : 2, 5);
    if (allocate) {
      std::uint32_t slot;
      if (vacant_slots.empty()) {
        slot = static_cast<std::uint32_t>(live_sizes.size());
        live_sizes.push_back(0);
        position.push_back(0);
      } else {
        slot = vacant_slots.back();
        vacant_slots.pop_back();
      }
      const std::uint32_t size = draw_size();
      live_sizes[slot] = size;
      position[slot] = static_cast<std::uint32_t>(live_slots.size());
      live_slots.push_back(slot);
      live_bytes += size;
      workload.ops.push_back({WorkloadOp::Kind::alloc, slot, size});
    } else {
      const std::size_t index = rng.below(live_slots.size());
      const std::uint32_t slot = live_slots[index];
      live_slots[index] = live_slots.back();
      position[live_slots[index]] = static_cast<std::uint32_t>(index);
      live_slots.pop_back();
      live_bytes -= live_sizes[slot];
      vacant_slots.push_back(slot);
      workload.ops.push_back({WorkloadOp::Kind::free, slot, 0});
    }
  }
  // Close the trace: free what is still live, so every replay ends empty.
  for (const std::uint32_t slot : live_slots) {
    workload.ops.push_back({WorkloadOp::Kind::free, slot, 0});
  }
  workload.slot_count = live_sizes.size();
  return workload;
}

}  // namespace smh::bench
