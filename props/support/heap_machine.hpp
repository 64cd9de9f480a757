// The single-region machine of the heap-level suites (heap model, layout): a
// region size and base alignment generated per case, the heap over an aligned
// host buffer, and the one-region scenario that replays the same placements.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <ostream>

#include "smh/heap.hpp"
#include "smh/sim/executor.hpp"

namespace smh::props {

// The one region: its size and how far its base sits past a bit_ceil(size)
// boundary (so aligned requests meet every base alignment). The counterexample
// scenario places it at the same offset from an aligned device address, so the
// simulator's heap sees the same alignments and makes the same placements.
struct HeapMachine {
  std::size_t region_bytes = 4096;
  std::size_t base_offset_bytes = 0;  // a multiple of 8, below bit_ceil(region_bytes)
};

inline std::ostream& operator<<(std::ostream& os, const HeapMachine& machine) {
  return os << "{region_bytes " << machine.region_bytes << ", base_offset_bytes " << machine.base_offset_bytes
            << "}";
}

// Region sizes from tiny (a few blocks: failures, one-granule tails) to
// max_region_bytes, mostly a few KiB, where a sequence fills the region and churns.
inline rc::Gen<HeapMachine> gen_heap_machine(std::size_t max_region_bytes) {
  return rc::gen::exec([max_region_bytes]() {
    HeapMachine machine;
    const std::size_t small_max = std::min<std::size_t>(4096, max_region_bytes);
    machine.region_bytes = *rc::gen::weightedOneOf<std::size_t>({
        {1, rc::gen::inRange<std::size_t>(Heap::min_region_bytes, 256)},
        {3, rc::gen::inRange<std::size_t>(256, small_max + 1)},
        {2, rc::gen::inRange<std::size_t>(small_max, max_region_bytes + 1)},
    });
    const std::size_t granules_per_alignment = std::bit_ceil(machine.region_bytes) / 8;
    machine.base_offset_bytes = 8 * *rc::gen::inRange<std::size_t>(0, granules_per_alignment);
    return machine;
  });
}

// The host buffer's alignment: the region's base then sits base_offset_bytes past
// it, congruent to the device base modulo every alignment the heap accepts (at
// most the region size), as the simulator's memory map places its regions.
inline std::size_t host_alignment_bytes(const HeapMachine& machine) {
  return std::bit_ceil(std::max<std::size_t>(machine.region_bytes, 16));
}

inline constexpr std::uint64_t heap_device_base = 0x2000'0000;

inline sim::MachineConfig single_region_machine(const HeapMachine& machine) {
  sim::RegionSpec region;
  region.name = "heap";
  region.base = heap_device_base + machine.base_offset_bytes;
  region.size_bytes = machine.region_bytes;
  region.attr = 0;
  region.cache_policy = sim::CachePolicy::non_cacheable;
  sim::MachineConfig config;
  config.regions.push_back(region);
  return config;
}

}  // namespace smh::props
