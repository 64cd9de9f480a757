// Seeded workload generation: op sequences for tests, properties, the fuzzer and
// the benchmarks, from one deterministic generator (smh::sim::Rng). A workload
// holds live requested bytes near a target fill of the machine's capacity, with
// sizes log-uniform in [min_size_bytes, max_size_bytes], an occasional aligned
// request and realloc, and frees of random live handles; it ends by freeing
// whatever is still live, so a run returns the machine to empty. Optionally,
// allocations with preference chains and driver transfer loops (DMA buffers
// with correct cache maintenance), both correct by construction: a finding in
// such a workload is the allocator's or the harness's fault. Both off (the
// default), the ops are those of a generator without them.
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
  // This share of allocations (per mille) carries a preference chain: its attr,
  // then 1..3 other attrs of `attrs` (distinct), as alloc_prefer takes them.
  std::uint32_t prefer_per_mille = 0;
  // This share of steps (per mille) is one driver transfer loop on a fresh
  // buffer of an attribute of dma_attrs (attributes whose every region lets DMA
  // reach it), aligned to and a multiple of dma_line_bytes so that it shares no
  // cache line, freed at its end; a receive or a transmit, half each:
  //   receive:  alloc, cache_invalidate, dma_from_device_start,
  //             dma_from_device_complete, cache_invalidate, cpu_read, free
  //   transmit: alloc, cpu_write, cache_clean, dma_to_device_start,
  //             dma_to_device_complete, free
  std::uint32_t dma_loop_per_mille = 0;
  std::vector<std::uint32_t> dma_attrs;
  std::uint32_t dma_line_bytes = 32;        // a power of two (the largest line of those regions)
};

// The ops of one driver transfer loop (above) on `handle`: a receive, else a
// transmit, of size_bytes (a multiple of line_bytes) in `attr`.
std::vector<Op> transfer_loop(Handle handle, std::uint32_t attr, std::uint64_t size_bytes, std::uint32_t line_bytes,
                              bool receive);

std::vector<Op> generate_workload(const WorkloadConfig& config, std::uint64_t seed);

}  // namespace smh::sim
