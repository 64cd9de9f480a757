// The pool the simulator drives (the shipped BasicPool, sized for simulation),
// and where a block's bytes are in the host's CPU view of its region.
#pragma once

#include "smh/pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

using SimPool = BasicPool<Executor::max_regions, Executor::max_regions, Executor::attribute_count, NoLock>;

// The CPU-view (host) pointer of a block's payload; never leaves the Executor.
inline unsigned char* host_of(const MemoryMap& map, const LiveBlock& block) {
  return map.cpu_view(block.region) + (block.device_address - map.spec(block.region).base);
}

}  // namespace smh::sim
