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

// The usable size of a block `pool` has just returned (alloc or realloc). A run
// that checks asks the validating usable_size, whose answer the USABLE_SIZE check
// judges; a run without checks reads the header the pool just wrote (the same
// value: core/tests/heap_usable_size_unchecked_test.cpp), which saves the
// pointer validation on every allocation in a build without SMH_ASSERT (the
// release preset: 4-5 % of a tool replay with --no-checks). With SMH_ASSERT the
// unchecked read still validates, so a pool that returned a block that is not
// live (a planted bug) halts a checks-off run with ASSERTION_FAILED there, and
// in a release build records its header's size where usable_size said 0: only
// a checked run judges such a pool.
inline std::size_t fresh_usable_size(const SimPool& pool, const void* ptr, bool checked) {
  return checked ? pool.usable_size(ptr) : pool.usable_size_unchecked(ptr);
}

}  // namespace smh::sim
